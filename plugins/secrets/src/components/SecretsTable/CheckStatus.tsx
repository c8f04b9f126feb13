import Chip from '@material-ui/core/Chip';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import CheckIcon from '@material-ui/icons/Check';
import ErrorOutlineIcon from '@material-ui/icons/ErrorOutline';
import type {
  CheckSecretResponse,
  SecretSummary,
} from '@backstage-secrets/plugin-secrets-common';
import { RelativeTime } from '../RelativeTime';
import { ChipLine } from './ChipLine';

const useStyles = makeStyles(theme => ({
  message: {
    marginTop: theme.spacing(0.5),
    maxWidth: 260,
    overflowWrap: 'anywhere',
  },
}));

/**
 * The check to show: the one run from this page (which has the provider's
 * message) unless the list knows of a later one.
 */
export function latestCheck(
  secret: Pick<SecretSummary, 'lastCheckedAt' | 'lastCheckOk'>,
  result?: CheckSecretResponse,
): CheckSecretResponse | undefined {
  const listed = secret.lastCheckedAt
    ? { ok: secret.lastCheckOk === true, checkedAt: secret.lastCheckedAt }
    : undefined;
  if (!result) {
    return listed;
  }
  return listed && Date.parse(listed.checkedAt) > Date.parse(result.checkedAt)
    ? listed
    : result;
}

/** The words the table's search matches for a secret's last check. */
export function checkText(
  secret: SecretSummary,
  result?: CheckSecretResponse,
): string[] {
  const check = latestCheck(secret, result);
  if (!check) {
    return secret.checkable ? ['Not checked yet'] : [];
  }
  return [check.ok ? 'Check passed' : 'Check failed', check.message ?? ''];
}

/** What the health column knows of a secret's check. */
export type CheckStatusProps = {
  secret: SecretSummary;
  /** The answer of a check run from this page, if any. */
  checkResult?: CheckSecretResponse;
  /** A check of this secret is under way. */
  testing?: boolean;
};

/**
 * The last check of the value with the provider: passed or failed, when,
 * and (for a check run from this page) the provider's message.
 */
export function CheckStatus(props: CheckStatusProps) {
  const { secret, checkResult, testing } = props;
  const classes = useStyles();
  const check = latestCheck(secret, checkResult);

  if (testing) {
    return (
      <Typography variant="caption" color="textSecondary" role="status">
        Checking with the provider…
      </Typography>
    );
  }
  if (!check) {
    return secret.checkable ? (
      <Typography variant="caption" color="textSecondary" component="div">
        Not checked yet
      </Typography>
    ) : null;
  }
  return (
    <div aria-label={`Last check of ${secret.name}`} role="group">
      <ChipLine>
        <Chip
          size="small"
          variant="outlined"
          icon={check.ok ? <CheckIcon /> : <ErrorOutlineIcon />}
          label={check.ok ? 'Check passed' : 'Check failed'}
          color={check.ok ? 'default' : 'secondary'}
        />
        <Typography variant="caption" color="textSecondary">
          <RelativeTime iso={check.checkedAt} />
        </Typography>
      </ChipLine>
      {!check.ok && check.message && (
        <Typography
          variant="caption"
          component="div"
          color="error"
          className={classes.message}
        >
          {check.message}
        </Typography>
      )}
      {/* The list keeps only the outcome; the message comes with a Test. */}
      {!check.ok && !check.message && secret.checkable && (
        <Typography
          variant="caption"
          component="div"
          color="textSecondary"
          className={classes.message}
        >
          Test again to see the provider's message.
        </Typography>
      )}
    </div>
  );
}
