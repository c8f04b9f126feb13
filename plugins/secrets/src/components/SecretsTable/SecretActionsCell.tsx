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

/** Set / Replace and Clear, as far as the secret's status allows them. */
export function SecretActionsCell(props: {
  secret: SecretSummary;
  onSet(secret: SecretSummary): void;
  onClear(secret: SecretSummary): void;
}) {
  const { secret, onSet, onClear } = props;
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
