import { useApi } from '@backstage/core-plugin-api';
import Button from '@material-ui/core/Button';
import CircularProgress from '@material-ui/core/CircularProgress';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogContentText from '@material-ui/core/DialogContentText';
import DialogTitle from '@material-ui/core/DialogTitle';
import IconButton from '@material-ui/core/IconButton';
import InputAdornment from '@material-ui/core/InputAdornment';
import TextField from '@material-ui/core/TextField';
import { makeStyles } from '@material-ui/core/styles';
import Visibility from '@material-ui/icons/Visibility';
import VisibilityOff from '@material-ui/icons/VisibilityOff';
import Alert from '@material-ui/lab/Alert';
import AlertTitle from '@material-ui/lab/AlertTitle';
import type { SecretSummary } from '@backstage-secrets/plugin-secrets-common';
import { useState, type FormEvent } from 'react';
import { secretsApiRef } from '../../api';
import { describeError, isConflict } from '../../lib/errors';
import { validateSecretValue } from '../../lib/validateValue';

const useStyles = makeStyles(theme => ({
  // A textarea cannot be type="password"; this masks it the same way in
  // Chromium, Safari and Firefox (all support -webkit-text-security).
  masked: {
    '-webkit-text-security': 'disc',
  },
  value: {
    fontFamily: 'monospace',
  },
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
  const [showValue, setShowValue] = useState(false);
  const [problem, setProblem] = useState<string>();
  const [requestError, setRequestError] = useState<{
    message: string;
    conflict: boolean;
  }>();
  const [saving, setSaving] = useState(false);

  const replacing =
    secret.source === 'database' || secret.version !== undefined;
  const isJson = secret.format === 'json';
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
          <TextField
            label={isJson ? 'New value (JSON)' : 'New value'}
            value={value}
            onChange={event => {
              setValue(event.target.value);
              setProblem(undefined);
            }}
            fullWidth
            required
            variant="outlined"
            multiline={isJson}
            minRows={isJson ? 8 : undefined}
            maxRows={isJson ? 20 : undefined}
            type={isJson || showValue ? 'text' : 'password'}
            error={!!problem}
            helperText={
              problem ??
              (isJson
                ? 'Paste the JSON document; it is checked before it is sent.'
                : undefined)
            }
            disabled={saving}
            inputProps={{
              'aria-label': `New value of ${secret.name}`,
              // Keep password managers and spell checkers away from it.
              autoComplete: 'new-password',
              spellCheck: false,
              autoCapitalize: 'off',
              autoCorrect: 'off',
              'data-lpignore': 'true',
              className: `${classes.value} ${
                isJson && !showValue ? classes.masked : ''
              }`,
            }}
            InputProps={{
              endAdornment: (
                <InputAdornment position="end">
                  <IconButton
                    aria-label={showValue ? 'Hide value' : 'Show value'}
                    aria-pressed={showValue}
                    onClick={() => setShowValue(shown => !shown)}
                    edge="end"
                  >
                    {showValue ? <VisibilityOff /> : <Visibility />}
                  </IconButton>
                </InputAdornment>
              ),
            }}
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
