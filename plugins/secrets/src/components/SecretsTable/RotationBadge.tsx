import Chip, { type ChipProps } from '@material-ui/core/Chip';
import Tooltip from '@material-ui/core/Tooltip';
import Typography from '@material-ui/core/Typography';
import AlarmIcon from '@material-ui/icons/Alarm';
import ScheduleIcon from '@material-ui/icons/Schedule';
import type { ComponentType } from 'react';
import type { SecretSummary } from '@backstage-secrets/plugin-secrets-common';
import {
  DUE_SOON_DAYS,
  formatDay,
  rotationState,
  type RotationState,
} from '../../lib/attention';
import { formatExactTime } from '../../lib/relativeTime';
import { ChipLine } from './ChipLine';

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

/** The badge of the states that need one, beside the day to rotate by. */
const ROTATION_CHIPS: Partial<
  Record<
    RotationState,
    Pick<ChipProps, 'color' | 'variant'> & {
      Icon: ComponentType;
      /** The badge's tooltip, for the secret of that name. */
      title(name: string): string;
    }
  >
> = {
  overdue: {
    color: 'secondary',
    Icon: AlarmIcon,
    title: name => `The value of ${name} should have been replaced by now`,
  },
  dueSoon: {
    variant: 'outlined',
    Icon: ScheduleIcon,
    title: name => `Replace the value of ${name} within ${DUE_SOON_DAYS} days`,
  },
};

/**
 * "Rotate by Mar 17, 2026" for secrets with a rotation schedule, with an
 * "Overdue" badge once that day has passed and "Due soon" in the
 * {@link DUE_SOON_DAYS} days before.
 */
export function RotationBadge(props: { secret: SecretSummary }) {
  const { secret } = props;
  const state = rotationState(secret);
  if (!state || !secret.rotateBy) {
    return null;
  }
  const chip = ROTATION_CHIPS[state];
  return (
    <ChipLine>
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
      {chip && (
        <Chip
          size="small"
          color={chip.color}
          variant={chip.variant}
          icon={<chip.Icon />}
          label={ROTATION_LABELS[state]}
          title={chip.title(secret.name)}
        />
      )}
    </ChipLine>
  );
}
