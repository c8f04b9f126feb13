import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import type { SecretSummary } from '@backstage-secrets/plugin-secrets-common';
import { canClear, canSet, isPinned, secretStatus } from '../../lib/status';

const useStyles = makeStyles(theme => ({
  actions: {
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'flex-start',
    gap: theme.spacing(1),
    '& button': {
      whiteSpace: 'nowrap',
    },
  },
}));

function hasStoredValue(secret: SecretSummary): boolean {
  return secret.source === 'database' || secret.version !== undefined;
}

/** Test runs the definition's check on the value reads get now. */
function canTest(secret: SecretSummary): boolean {
  const status = secretStatus(secret);
  return (
    !!secret.checkable &&
    (status === 'set' || status === 'config' || status === 'environment')
  );
}

/**
 * Set / Replace, Test, History and Clear, as far as the secret's status
 * allows them.
 */
export function SecretActionsCell(props: {
  secret: SecretSummary;
  onSet(secret: SecretSummary): void;
  onClear(secret: SecretSummary): void;
  onHistory(secret: SecretSummary): void;
  onTest(secret: SecretSummary): void;
  /** A check of this secret is under way. */
  testing?: boolean;
}) {
  const { secret, onSet, onClear, onHistory, onTest, testing } = props;
  const classes = useStyles();
  const setLabel = hasStoredValue(secret) ? 'Replace' : 'Set';
  return (
    <div className={classes.actions}>
      {canSet(secret) && (
        <Button
          size="small"
          variant="outlined"
          color="primary"
          aria-label={`${setLabel} ${secret.name}`}
          onClick={() => onSet(secret)}
        >
          {setLabel}
        </Button>
      )}
      {canTest(secret) && (
        <Button
          size="small"
          variant="outlined"
          aria-label={`Test ${secret.name}`}
          title="Check the value with the provider"
          disabled={testing}
          onClick={() => onTest(secret)}
        >
          {testing ? 'Testing…' : 'Test'}
        </Button>
      )}
      {/* Where Set is offered, so is History (and restoring from it): a
          cleared secret keeps its history, so it does not depend on a
          stored value. Per-user values have no shared history; pinned and
          orphaned secrets cannot be written from the page. */}
      {canSet(secret) && (
        <Button
          size="small"
          variant="outlined"
          aria-label={`History of ${secret.name}`}
          onClick={() => onHistory(secret)}
        >
          History
        </Button>
      )}
      {canClear(secret) && (
        <Button
          size="small"
          variant="outlined"
          aria-label={`Clear ${secret.name}`}
          onClick={() => onClear(secret)}
        >
          Clear
        </Button>
      )}
      {secretStatus(secret) === 'perUser' && (
        <Typography variant="caption" color="textSecondary">
          Set by each user
        </Typography>
      )}
      {isPinned(secret) && (
        <Typography variant="caption" color="textSecondary">
          Not editable here
        </Typography>
      )}
    </div>
  );
}
