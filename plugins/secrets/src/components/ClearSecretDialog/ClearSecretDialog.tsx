import { useApi } from '@backstage/core-plugin-api';
import type { SecretSummary } from '@backstage-secrets/plugin-secrets-common';
import { secretsApiRef } from '../../api';
import { ConfirmClearDialog } from '../ConfirmClearDialog';

export type ClearSecretDialogProps = {
  secret: SecretSummary;
  onClose(): void;
  onCleared(): void;
};

/** Asks before deleting a stored value, naming the secret. */
export function ClearSecretDialog(props: ClearSecretDialogProps) {
  const { secret, onClose, onCleared } = props;
  const secretsApi = useApi(secretsApiRef);

  return (
    <ConfirmClearDialog
      titleId="clear-secret-dialog-title"
      title={<>Clear {secret.name}?</>}
      confirmLabel={<>Clear {secret.name}</>}
      clear={() => secretsApi.clearSecret(secret.name)}
      onCleared={onCleared}
      onClose={onClose}
      renderFailure={message => (
        <>
          {secret.name} was not cleared: {message}
        </>
      )}
    >
      This deletes the stored value of <strong>{secret.name}</strong>
      {secret.version !== undefined ? ` (v${secret.version})` : ''}.{' '}
      {secret.registered
        ? 'Plugins that read it will find no value until someone sets it again.'
        : 'No plugin registers it any more, so nothing should miss it.'}{' '}
      {secret.registered
        ? 'Its versions stay in the history, from which an earlier value can be restored.'
        : ''}
    </ConfirmClearDialog>
  );
}
