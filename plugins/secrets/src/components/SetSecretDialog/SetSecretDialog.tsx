import { useApi } from '@backstage/core-plugin-api';
import Button from '@material-ui/core/Button';
import CircularProgress from '@material-ui/core/CircularProgress';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogContentText from '@material-ui/core/DialogContentText';
import DialogTitle from '@material-ui/core/DialogTitle';
import { makeStyles } from '@material-ui/core/styles';
import Alert from '@material-ui/lab/Alert';
import AlertTitle from '@material-ui/lab/AlertTitle';
import type { SecretSummary } from '@backstage-secrets/plugin-secrets-common';
import { useState, type FormEvent } from 'react';
import { secretsApiRef } from '../../api';
import { describeError, isConflict } from '../../lib/errors';
import { validateSecretValue } from '../../lib/validateValue';
import { SecretValueField } from '../SecretValueField';

const useStyles = makeStyles(theme => ({
  note: {
    marginBottom: theme.spacing(2),
  },
}));

export type SetSecretDialogProps = {
  /** The secret as last listed; its version is sent as the expected one. */
  secret: SecretSummary;
  onClose(): void;
  onSaved(saved: SecretSummary): void;
  /** Someone else changed the secret; the list should be fetched again. */
  onConflict(): void;
};

/**
 * Sets or replaces a secret's value.
 *
 * @remarks
 *
 * The value typed lives only in this component's state and in the body of
 * the PUT request: it is never logged, stored, or put in the URL. When the
 * backend refuses (conflict, validation, permission), the dialog stays open
 * with the value so that nothing typed is lost.
 */
export function SetSecretDialog(props: SetSecretDialogProps) {
  const { secret, onClose, onSaved, onConflict } = props;
  const classes = useStyles();
  const secretsApi = useApi(secretsApiRef);
  const [value, setValue] = useState('');
  const [problem, setProblem] = useState<string>();
  const [requestError, setRequestError] = useState<{
    message: string;
    conflict: boolean;
  }>();
  const [saving, setSaving] = useState(false);

  const replacing =
    secret.source === 'database' || secret.version !== undefined;
  const verb = replacing ? 'Replace' : 'Set';

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
      const saved = await secretsApi.setSecret(secret.name, {
        value,
        // 0 = "I saw no stored value": a value stored meanwhile is a conflict.
        expectedVersion: secret.version ?? 0,
      });
      onSaved(saved);
    } catch (error) {
      const conflict = isConflict(error);
      setRequestError({ message: describeError(error), conflict });
      if (conflict) {
        onConflict();
      }
    } finally {
      setSaving(false);
    }
  };

  const close = () => {
    if (!saving) {
      onClose();
    }
  };

  return (
    <Dialog
      open
      onClose={close}
      fullWidth
      maxWidth="sm"
      aria-labelledby="set-secret-dialog-title"
    >
      <form onSubmit={handleSubmit} noValidate autoComplete="off">
        <DialogTitle id="set-secret-dialog-title">
          {verb} {secret.name}
        </DialogTitle>
        <DialogContent>
          <DialogContentText className={classes.note}>
            {replacing
              ? `The current value (v${
                  secret.version ?? '?'
                }) cannot be shown: values never leave the server. Saving replaces it for every plugin that reads ${
                  secret.name
                }.`
              : `Once saved, the value cannot be shown again, here or anywhere else in the browser: only backend plugins can read it.`}
          </DialogContentText>
          {requestError && (
            <Alert severity="error" role="alert" style={{ marginBottom: 16 }}>
              {requestError.conflict ? (
                <>
                  <AlertTitle>
                    Someone else changed {secret.name} while you were editing
                  </AlertTitle>
                  {requestError.message} Your value was not saved and is still
                  below. The list now shows the latest version: save again to
                  replace it, or cancel to keep it.
                </>
              ) : (
                <>
                  {secret.name} was not saved: {requestError.message}
                </>
              )}
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
