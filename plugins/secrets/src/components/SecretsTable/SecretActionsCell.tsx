import Button, { type ButtonProps } from '@material-ui/core/Button';
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

/** What an admin can do with a secret of the table. */
export type SecretActions = {
  onSet(secret: SecretSummary): void;
  onClear(secret: SecretSummary): void;
  onHistory(secret: SecretSummary): void;
  onTest(secret: SecretSummary): void;
};

/** One button of the column: small, outlined, labelled for its secret. */
type ActionButton = Pick<ButtonProps, 'color' | 'title' | 'disabled'> & {
  /** Stays the same while the label changes (Set / Replace, Testing…). */
  action: 'set' | 'test' | 'history' | 'clear';
  /** Whether the secret's status allows the action. */
  shown: boolean;
  label: string;
  ariaLabel: string;
  onClick(secret: SecretSummary): void;
};

/**
 * Set / Replace, Test, History and Clear, as far as the secret's status
 * allows them.
 */
export function SecretActionsCell(props: {
  secret: SecretSummary;
  actions: SecretActions;
  /** A check of this secret is under way. */
  testing?: boolean;
}) {
  const { secret, actions, testing } = props;
  const classes = useStyles();
  const setLabel = hasStoredValue(secret) ? 'Replace' : 'Set';
  const buttons: ActionButton[] = [
    {
      action: 'set',
      shown: canSet(secret),
      label: setLabel,
      ariaLabel: `${setLabel} ${secret.name}`,
      onClick: actions.onSet,
      color: 'primary',
    },
    {
      action: 'test',
      shown: canTest(secret),
      label: testing ? 'Testing…' : 'Test',
      ariaLabel: `Test ${secret.name}`,
      onClick: actions.onTest,
      title: 'Check the value with the provider',
      disabled: testing,
    },
    // Where Set is offered, so is History (and restoring from it): a cleared
    // secret keeps its history, so it does not depend on a stored value.
    // Per-user values have no shared history; pinned and orphaned secrets
    // cannot be written from the page.
    {
      action: 'history',
      shown: canSet(secret),
      label: 'History',
      ariaLabel: `History of ${secret.name}`,
      onClick: actions.onHistory,
    },
    {
      action: 'clear',
      shown: canClear(secret),
      label: 'Clear',
      ariaLabel: `Clear ${secret.name}`,
      onClick: actions.onClear,
    },
  ];
  return (
    <div className={classes.actions}>
      {buttons
        .filter(button => button.shown)
        .map(({ action, shown, label, ariaLabel, onClick, ...buttonProps }) => (
          <Button
            key={action}
            size="small"
            variant="outlined"
            aria-label={ariaLabel}
            onClick={() => onClick(secret)}
            {...buttonProps}
          >
            {label}
          </Button>
        ))}
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
