import { useState } from 'react';
import Checkbox from '@material-ui/core/Checkbox';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import FormHelperText from '@material-ui/core/FormHelperText';
import { useApi } from '@backstage/core-plugin-api';
import type { SecretSummary } from '@backstage-secrets/plugin-secrets-common';
import { secretsApiRef } from '../../api';
import { ConfirmClearDialog } from '../ConfirmClearDialog';

export type ClearSecretDialogProps = {
  secret: SecretSummary;
  onClose(): void;
  /** `purged`: the history was deleted too. */
  onCleared(outcome: { purged: boolean }): void;
};

/**
 * Asks before deleting a stored value, naming the secret. Its history is
 * kept unless the admin also asks to delete it (a purge: for a leaked
 * value that must not be restorable).
 */
export function ClearSecretDialog(props: ClearSecretDialogProps) {
  const { secret, onClose, onCleared } = props;
  const secretsApi = useApi(secretsApiRef);
  const [purge, setPurge] = useState(false);
  const what = purge ? `${secret.name} and its history` : secret.name;

  return (
    <ConfirmClearDialog
      titleId="clear-secret-dialog-title"
      title={<>Clear {what}?</>}
      confirmLabel={<>Clear {what}</>}
      clear={() =>
        // The version shown: a value changed since is not cleared (409).
        secretsApi.clearSecret(secret.name, {
          purge,
          expectedVersion: secret.version ?? 0,
        })
      }
      onCleared={() => onCleared({ purged: purge })}
      onClose={onClose}
      renderFailure={message => (
        <>
          {secret.name} was not cleared: {message}
        </>
      )}
      options={
        <>
          <FormControlLabel
            control={
              <Checkbox
                checked={purge}
                onChange={event => setPurge(event.target.checked)}
                inputProps={{ 'aria-describedby': 'clear-secret-purge-help' }}
              />
            }
            label="Also delete every earlier version"
          />
          <FormHelperText id="clear-secret-purge-help">
            For a leaked value: nothing of {secret.name} can be restored
            afterwards. This cannot be undone.
          </FormHelperText>
        </>
      }
    >
      This deletes the stored value of <strong>{secret.name}</strong>
      {secret.version !== undefined ? ` (v${secret.version})` : ''}
      {purge ? ' and all its versions' : ''}.{' '}
      {secret.registered
        ? 'Plugins that read it will find no value until someone sets it again.'
        : 'No plugin registers it any more, so nothing should miss it.'}{' '}
      {secret.registered && !purge
        ? 'Its versions stay in the history, from which an earlier value can be restored.'
        : ''}
    </ConfirmClearDialog>
  );
}
