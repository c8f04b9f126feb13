import { makeStyles } from '@material-ui/core/styles';
import type {
  CheckSecretResponse,
  SecretSummary,
} from '@backstage-secrets/plugin-secrets-common';
import { unusedText } from '../../lib/attention';
import { CheckStatus, checkText, type CheckStatusProps } from './CheckStatus';
import { RotationBadge, rotationText } from './RotationBadge';
import { UnusedFlag } from './UnusedFlag';

const useStyles = makeStyles(theme => ({
  cell: {
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'flex-start',
    gap: theme.spacing(0.75),
  },
}));

/** The words the table's search matches in the health column. */
export function healthText(
  secret: SecretSummary,
  result?: CheckSecretResponse,
): string[] {
  return [
    ...checkText(secret, result),
    ...rotationText(secret),
    ...(secret.unused ? ['Unused', unusedText(secret) ?? ''] : []),
  ];
}

/**
 * What needs an admin's attention besides the value itself: the last check
 * with the provider, the rotation date, and whether anything still reads it.
 */
export function SecretHealthCell(props: CheckStatusProps) {
  const { secret } = props;
  const classes = useStyles();
  return (
    <div className={classes.cell}>
      <CheckStatus {...props} />
      <RotationBadge secret={secret} />
      <UnusedFlag secret={secret} />
    </div>
  );
}
