import { useApi } from '@backstage/core-plugin-api';
import Button from '@material-ui/core/Button';
import CircularProgress from '@material-ui/core/CircularProgress';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogContentText from '@material-ui/core/DialogContentText';
import DialogTitle from '@material-ui/core/DialogTitle';
import Alert from '@material-ui/lab/Alert';
import type { UserSecretSummary } from '@backstage-secrets/plugin-secrets-common';
import { useState, type FormEvent } from 'react';
import { userSecretsApiRef } from '../../api';
import { describeError, isConflict } from '../../lib/errors';
import { validateSecretValue } from '../../lib/validateValue';
import { SecretValueField } from '../SecretValueField';

/**
 * Adds or replaces the signed-in user's own value. As in the admin dialog,
 * the value lives only in this component's state and the PUT body; on an
 * error the dialog stays open with it.
 */
export function UserSecretDialog(props: {
  secret: UserSecretSummary;
  onClose(): void;
  onSaved(saved: UserSecretSummary): void;
  /** The value changed elsewhere (e.g. another tab): reload the list. */
  onConflict(): void;
}) {
  const { secret, onClose, onSaved, onConflict } = props;
  const api = useApi(userSecretsApiRef);
  const [value, setValue] = useState('');
  const [problem, setProblem] = useState<string>();
  const [requestError, setRequestError] = useState<string>();
  const [saving, setSaving] = useState(false);
  const verb = secret.set ? 'Replace' : 'Add';

  const handleSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const invalid = validateSecretValue(value, secret.format);
    setProblem(invalid);
    if (invalid) {
      return;
    }
    setSaving(true);
    setRequestError(undefined);
    try {
      const saved = await api.setUserSecret(secret.name, {
        value,
        expectedVersion: secret.set ? secret.version ?? 0 : 0,
      });
      onSaved(saved);
    } catch (error) {
      setRequestError(describeError(error));
      if (isConflict(error)) {
        onConflict();
      }
    } finally {
      setSaving(false);
    }
  };

  const close = () => !saving && onClose();

  return (
    <Dialog
      open
      onClose={close}
      fullWidth
      maxWidth="sm"
      aria-labelledby="user-secret-dialog-title"
    >
      <form onSubmit={handleSubmit} noValidate autoComplete="off">
        <DialogTitle id="user-secret-dialog-title">
          {verb} your {secret.name}
        </DialogTitle>
        <DialogContent>
          <DialogContentText>
            {secret.set
              ? 'Your current value cannot be shown, not even to you. Saving replaces it for every plugin you allowed.'
              : 'Once saved, your value cannot be shown again, not even to you: only the plugins you allow can use it, for your requests.'}
          </DialogContentText>
          {requestError && (
            <Alert severity="error" role="alert" style={{ marginBottom: 16 }}>
              Your {secret.name} was not saved: {requestError}
            </Alert>
          )}
          <SecretValueField
            name={secret.name}
            format={secret.format}
            value={value}
            onChange={newValue => {
              setValue(newValue);
              setProblem(undefined);
            }}
            problem={problem}
            disabled={saving}
          />
        </DialogContent>
        <DialogActions>
          <Button onClick={close} disabled={saving}>
            Cancel
          </Button>
          <Button
            type="submit"
            color="primary"
            variant="contained"
            disabled={saving || value.length === 0}
            startIcon={saving ? <CircularProgress size={16} /> : undefined}
          >
            Save
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}

/** Asks before deleting the user's own value; the grants stay. */
export function ClearUserSecretDialog(props: {
  secret: UserSecretSummary;
  onClose(): void;
  onCleared(): void;
}) {
  const { secret, onClose, onCleared } = props;
  const api = useApi(userSecretsApiRef);
  const [clearing, setClearing] = useState(false);
  const [error, setError] = useState<string>();

  const clear = async () => {
    setClearing(true);
    setError(undefined);
    try {
      await api.clearUserSecret(secret.name);
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
      aria-labelledby="clear-user-secret-dialog-title"
    >
      <DialogTitle id="clear-user-secret-dialog-title">
        Clear your {secret.name}?
      </DialogTitle>
      <DialogContent>
        {error && (
          <Alert severity="error" role="alert" style={{ marginBottom: 16 }}>
            Your {secret.name} was not cleared: {error}
          </Alert>
        )}
        <DialogContentText>
          This deletes your value. Plugins that use it will ask you for one
          again. Which plugins you allowed stays as it is.
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
          Clear my {secret.name}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
