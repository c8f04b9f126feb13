import { useApi } from '@backstage/core-plugin-api';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogContentText from '@material-ui/core/DialogContentText';
import DialogTitle from '@material-ui/core/DialogTitle';
import Alert from '@material-ui/lab/Alert';
import AlertTitle from '@material-ui/lab/AlertTitle';
import type { SecretSummary } from '@backstage-secrets/plugin-secrets-common';
import { secretsApiRef } from '../../api';
import { useSubmission } from '../../hooks/useSubmission';

export type RestoreVersionDialogProps = {
  /** The secret as last listed; its version is sent as the expected one. */
  secret: SecretSummary;
  /** The version to restore. */
  version: number;
  onClose(): void;
  onRestored(restored: SecretSummary): void;
  /** Someone else changed the secret; the list should be fetched again. */
  onConflict(): void;
};

/**
 * Asks before restoring an earlier version, saying what it does: the old
 * value becomes a new version, and nothing in the history is rewritten.
 * On a conflict (409) it stays open and says so, so that the admin decides
 * again against the latest version.
 */
export function RestoreVersionDialog(props: RestoreVersionDialogProps) {
  const { secret, version, onClose, onRestored, onConflict } = props;
  const secretsApi = useApi(secretsApiRef);
  const { busy, failure, submit } = useSubmission();
  const titleId = 'restore-version-dialog-title';

  const confirm = () =>
    submit(
      async () =>
        onRestored(
          await secretsApi.restoreVersion(secret.name, version, {
            // 0 = "I saw no stored value", as for a PUT.
            expectedVersion: secret.version ?? 0,
          }),
        ),
      { onConflict },
    );

  return (
    <Dialog open onClose={() => !busy && onClose()} aria-labelledby={titleId}>
      <DialogTitle id={titleId}>
        Restore v{version} of {secret.name}?
      </DialogTitle>
      <DialogContent>
        {failure?.message && (
          <Alert severity="error" role="alert" style={{ marginBottom: 16 }}>
            {failure.conflict ? (
              <>
                <AlertTitle>
                  Someone else changed {secret.name} meanwhile
                </AlertTitle>
                {failure.message} Nothing was restored. The history now shows
                the latest version: restore again if you still want v{version},
                or cancel.
              </>
            ) : (
              <>
                v{version} of {secret.name} was not restored: {failure.message}
              </>
            )}
          </Alert>
        )}
        <DialogContentText>
          The value of v{version} becomes the current value of{' '}
          <strong>{secret.name}</strong>, as a new version, for every plugin
          that reads it.
          {secret.version !== undefined &&
            ` The current value (v${secret.version}) stays in the history, so this can be undone the same way.`}
        </DialogContentText>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={busy}>
          Cancel
        </Button>
        <Button
          onClick={confirm}
          disabled={busy}
          color="primary"
          variant="contained"
        >
          Restore v{version}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
