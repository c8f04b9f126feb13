import Chip from '@material-ui/core/Chip';
import Tooltip from '@material-ui/core/Tooltip';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import AlarmIcon from '@material-ui/icons/Alarm';
import ScheduleIcon from '@material-ui/icons/Schedule';
import type { SecretSummary } from '@backstage-secrets/plugin-secrets-common';
import {
  DUE_SOON_DAYS,
  formatDay,
  rotationState,
  type RotationState,
} from '../../lib/attention';
import { formatExactTime } from '../../lib/relativeTime';

const useStyles = makeStyles(theme => ({
  line: {
    display: 'flex',
    alignItems: 'center',
    flexWrap: 'wrap',
    gap: theme.spacing(0.5),
  },
}));

export const ROTATION_LABELS: Record<RotationState, string | undefined> = {
  overdue: 'Overdue',
  dueSoon: 'Due soon',
  scheduled: undefined,
};

/** The words the table's search matches for a secret's rotation. */
export function rotationText(secret: SecretSummary): string[] {
  const state = rotationState(secret);
  if (!state || !secret.rotateBy) {
    return [];
  }
  return [
    `Rotate by ${formatDay(secret.rotateBy)}`,
    ROTATION_LABELS[state] ?? '',
  ];
}

/**
 * "Rotate by Mar 17, 2026" for secrets with a rotation schedule, with an
 * "Overdue" badge once that day has passed and "Due soon" in the
 * {@link DUE_SOON_DAYS} days before.
 */
export function RotationBadge(props: { secret: SecretSummary }) {
  const { secret } = props;
  const classes = useStyles();
  const state = rotationState(secret);
  if (!state || !secret.rotateBy) {
    return null;
  }
  return (
    <div className={classes.line}>
      <Tooltip
        title={`${formatExactTime(secret.rotateBy)}${
          secret.rotateEvery ? `; rotated every ${secret.rotateEvery}` : ''
        }`}
      >
        <Typography
          variant="caption"
          color={state === 'overdue' ? 'error' : 'textSecondary'}
        >
          Rotate by{' '}
          <time dateTime={secret.rotateBy}>{formatDay(secret.rotateBy)}</time>
        </Typography>
      </Tooltip>
      {state === 'overdue' && (
        <Chip
          size="small"
          color="secondary"
          icon={<AlarmIcon />}
          label={ROTATION_LABELS.overdue}
          title={`The value of ${secret.name} should have been replaced by now`}
        />
      )}
      {state === 'dueSoon' && (
        <Chip
          size="small"
          variant="outlined"
          icon={<ScheduleIcon />}
          label={ROTATION_LABELS.dueSoon}
          title={`Replace the value of ${secret.name} within ${DUE_SOON_DAYS} days`}
        />
      )}
    </div>
  );
}
