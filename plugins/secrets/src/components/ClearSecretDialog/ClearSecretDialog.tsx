import { useApi } from '@backstage/core-plugin-api';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogContentText from '@material-ui/core/DialogContentText';
import DialogTitle from '@material-ui/core/DialogTitle';
import Alert from '@material-ui/lab/Alert';
import type { SecretSummary } from '@backstage-secrets/plugin-secrets-common';
import { useState } from 'react';
import { secretsApiRef } from '../../api';
import { describeError } from '../../lib/errors';

export type ClearSecretDialogProps = {
  secret: SecretSummary;
  onClose(): void;
  onCleared(): void;
};

/** Asks before deleting a stored value, naming the secret. */
export function ClearSecretDialog(props: ClearSecretDialogProps) {
  const { secret, onClose, onCleared } = props;
  const secretsApi = useApi(secretsApiRef);
  const [clearing, setClearing] = useState(false);
  const [error, setError] = useState<string>();

  const clear = async () => {
    setClearing(true);
    setError(undefined);
    try {
      await secretsApi.clearSecret(secret.name);
      onCleared();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setClearing(false);
    }
  };

  return (
    <Dialog
      open
      onClose={() => !clearing && onClose()}
      aria-labelledby="clear-secret-dialog-title"
    >
      <DialogTitle id="clear-secret-dialog-title">
        Clear {secret.name}?
      </DialogTitle>
      <DialogContent>
        {error && (
          <Alert severity="error" role="alert" style={{ marginBottom: 16 }}>
            {secret.name} was not cleared: {error}
          </Alert>
        )}
        <DialogContentText>
          This deletes the stored value of <strong>{secret.name}</strong>
          {secret.version !== undefined ? ` (v${secret.version})` : ''}.{' '}
          {secret.registered
            ? 'Plugins that read it will find no value until someone sets it again.'
            : 'No plugin registers it any more, so nothing should miss it.'}{' '}
          This cannot be undone.
        </DialogContentText>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={clearing}>
          Cancel
        </Button>
        <Button
          onClick={clear}
          disabled={clearing}
          color="secondary"
          variant="contained"
        >
          Clear {secret.name}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
