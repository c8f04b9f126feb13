import Chip from '@material-ui/core/Chip';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import CheckIcon from '@material-ui/icons/Check';
import ErrorOutlineIcon from '@material-ui/icons/ErrorOutline';
import LockIcon from '@material-ui/icons/Lock';
import PersonIcon from '@material-ui/icons/Person';
import RemoveCircleOutlineIcon from '@material-ui/icons/RemoveCircleOutline';
import WarningIcon from '@material-ui/icons/Warning';
import type { SecretSummary } from '@backstage-secrets/plugin-secrets-common';
import {
  secretStatus,
  STATUS_LABELS,
  type SecretStatus,
} from '../../lib/status';

const useStyles = makeStyles(theme => ({
  detail: {
    marginTop: theme.spacing(0.5),
    maxWidth: 260,
    overflowWrap: 'anywhere',
  },
  code: {
    fontFamily: 'monospace',
  },
}));

const ICONS: Record<SecretStatus, JSX.Element> = {
  missing: <RemoveCircleOutlineIcon />,
  set: <CheckIcon />,
  config: <LockIcon />,
  environment: <LockIcon />,
  error: <ErrorOutlineIcon />,
  orphaned: <WarningIcon />,
  perUser: <PersonIcon />,
};

/** "No user has set a value yet", "1 user set a value", "3 users set a value". */
export function userValueCountText(count: number | undefined): string {
  if (!count) {
    return 'No user has set a value yet';
  }
  return `${count} ${count === 1 ? 'user' : 'users'} set a value`;
}

/** "No entity has its own value yet", "1 entity has its own value", … */
export function entityValueCountText(count: number | undefined): string {
  if (!count) {
    return 'No entity has its own value yet';
  }
  return `${count} ${
    count === 1 ? 'entity has' : 'entities have'
  } its own value`;
}

/** The status chip, and the one sentence that explains it. */
export function SecretStatusCell(props: { secret: SecretSummary }) {
  const { secret } = props;
  const classes = useStyles();
  const status = secretStatus(secret);

  let detail: JSX.Element | undefined;
  if (status === 'config') {
    detail = (
      <>
        From the config key{' '}
        <span className={classes.code}>
          {secret.pinnedBy ?? 'secrets.values'}
        </span>
        ; change it there.
      </>
    );
  } else if (status === 'environment') {
    detail = (
      <>
        From the environment variable{' '}
        <span className={classes.code}>{secret.pinnedBy ?? '(unknown)'}</span>;
        change it there.
      </>
    );
  } else if (status === 'error') {
    detail = <>{secret.error}</>;
  } else if (status === 'orphaned') {
    detail = <>Stored, but no plugin registers this secret any more.</>;
  } else if (status === 'perUser') {
    detail = (
      <>
        <strong>{userValueCountText(secret.userValueCount)}</strong>. Each user
        sets their own on My secrets; admins cannot see or set them.
      </>
    );
  } else if (status === 'missing') {
    detail =
      secret.scope === 'entity' ? (
        <>No default: entities without their own value have none.</>
      ) : (
        <>Plugins that need it cannot read it.</>
      );
  }
  if (secret.scope === 'entity') {
    // Per entity: the owners set each entity's value on its Secrets tab;
    // the value here (if any) is the default.
    detail = (
      <>
        <strong>Per entity</strong> ({(secret.entityKinds ?? []).join(', ')}
        ): {entityValueCountText(secret.entityValueCount)}.{' '}
        {status === 'set' ? 'The value set here is the default. ' : ''}
        {detail}
      </>
    );
  }

  return (
    <div>
      <Chip
        size="small"
        icon={ICONS[status]}
        label={STATUS_LABELS[status]}
        color={
          status === 'missing' || status === 'error' ? 'secondary' : 'default'
        }
        variant={status === 'set' ? 'default' : 'outlined'}
      />
      {detail && (
        <Typography
          variant="caption"
          component="div"
          color={status === 'error' ? 'error' : 'textSecondary'}
          className={classes.detail}
        >
          {detail}
        </Typography>
      )}
    </div>
  );
}
