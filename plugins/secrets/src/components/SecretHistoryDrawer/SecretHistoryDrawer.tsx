import { Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Button from '@material-ui/core/Button';
import Drawer from '@material-ui/core/Drawer';
import IconButton from '@material-ui/core/IconButton';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import CloseIcon from '@material-ui/icons/Close';
import type { SecretSummary } from '@backstage-secrets/plugin-secrets-common';
import { useState } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { secretsApiRef } from '../../api';
import { canSet } from '../../lib/status';
import { InlineErrorPanel } from '../InlineErrorPanel';
import type { ListedSecretProps } from '../listedSecretProps';
import { DeleteHistoryDialog } from './DeleteHistoryDialog';
import { RestoreVersionDialog } from './RestoreVersionDialog';
import { VersionList } from './VersionList';

const useStyles = makeStyles(theme => ({
  paper: {
    width: 520,
    maxWidth: '100vw',
    padding: theme.spacing(3),
  },
  header: {
    display: 'flex',
    alignItems: 'flex-start',
    justifyContent: 'space-between',
    gap: theme.spacing(1),
  },
  name: {
    fontFamily: 'monospace',
    overflowWrap: 'anywhere',
  },
  footer: {
    marginTop: theme.spacing(2),
  },
}));

export type SecretHistoryDrawerProps = ListedSecretProps & {
  onRestored(restored: SecretSummary): void;
  /** Every version of a cleared secret was deleted. */
  onHistoryDeleted(): void;
};

/**
 * The stored versions of a shared secret, in a drawer beside the table,
 * with Restore (behind a confirmation) for the earlier ones, and, once
 * the value is cleared, Delete history (a purge, also confirmed).
 *
 * @remarks
 *
 * Only metadata: the backend never sends a version's value, and restoring
 * happens on the server. The versions are fetched again whenever the
 * secret's current version changes (a restore, a save, someone else).
 */
export function SecretHistoryDrawer(props: SecretHistoryDrawerProps) {
  const { secret, onClose, onRestored, onHistoryDeleted, onConflict } = props;
  const classes = useStyles();
  const secretsApi = useApi(secretsApiRef);
  const [restoring, setRestoring] = useState<number>();
  const [deleting, setDeleting] = useState(false);
  const titleId = 'secret-history-title';

  const { value, loading, error, retry } = useAsyncRetry(
    () => secretsApi.listVersions(secret.name),
    [secretsApi, secret.name, secret.version],
  );
  // Pinned, per-user and orphaned secrets cannot be written from the page.
  const restorable = canSet(secret);
  const current = secret.source === 'database' ? secret.version : undefined;
  const kept = value?.items.length ?? 0;
  // With a value stored, Clear (with "every earlier version") does this.
  const deletable = restorable && current === undefined && kept > 0;

  return (
    <Drawer
      anchor="right"
      open
      onClose={onClose}
      classes={{ paper: classes.paper }}
      PaperProps={{ role: 'dialog', 'aria-labelledby': titleId } as object}
    >
      <div className={classes.header}>
        <Typography variant="h5" component="h2" id={titleId}>
          History of <span className={classes.name}>{secret.name}</span>
        </Typography>
        <IconButton aria-label="Close history" onClick={onClose} size="small">
          <CloseIcon />
        </IconButton>
      </div>
      <Typography variant="body2" color="textSecondary" paragraph>
        Values are never shown. Restoring writes the value of an earlier version
        as a new version; the history itself never changes.
      </Typography>
      {!value && loading && <Progress />}
      {error && (
        <InlineErrorPanel title="Could not load the history" error={error} />
      )}
      {value && value.items.length === 0 && (
        <Typography variant="body2">
          No stored versions of {secret.name}.
        </Typography>
      )}
      {value && value.items.length > 0 && (
        <VersionList
          name={secret.name}
          versions={value.items}
          current={current}
          onRestore={restorable ? setRestoring : undefined}
        />
      )}
      {deletable && (
        <div className={classes.footer}>
          <Button
            variant="outlined"
            color="secondary"
            size="small"
            aria-label={`Delete the history of ${secret.name}`}
            onClick={() => setDeleting(true)}
          >
            Delete history
          </Button>
        </div>
      )}
      {deleting && (
        <DeleteHistoryDialog
          secret={secret}
          versions={kept}
          onClose={() => setDeleting(false)}
          onDeleted={() => {
            setDeleting(false);
            retry();
            onHistoryDeleted();
          }}
        />
      )}
      {restoring !== undefined && (
        <RestoreVersionDialog
          secret={secret}
          version={restoring}
          onClose={() => setRestoring(undefined)}
          onConflict={() => {
            onConflict();
            retry();
          }}
          onRestored={restored => {
            setRestoring(undefined);
            onRestored(restored);
          }}
        />
      )}
    </Drawer>
  );
}
