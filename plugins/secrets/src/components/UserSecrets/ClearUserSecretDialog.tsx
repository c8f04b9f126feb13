import { useApi } from '@backstage/core-plugin-api';
import type { UserSecretSummary } from '@backstage-secrets/plugin-secrets-common';
import { userSecretsApiRef } from '../../api';
import { ConfirmClearDialog } from '../ConfirmClearDialog';

/** Asks before deleting the user's own value; the grants stay. */
export function ClearUserSecretDialog(props: {
  secret: UserSecretSummary;
  onClose(): void;
  onCleared(): void;
}) {
  const { secret, onClose, onCleared } = props;
  const api = useApi(userSecretsApiRef);

  return (
    <ConfirmClearDialog
      titleId="clear-user-secret-dialog-title"
      title={<>Clear your {secret.name}?</>}
      confirmLabel={<>Clear my {secret.name}</>}
      clear={() => api.clearUserSecret(secret.name)}
      onCleared={onCleared}
      onClose={onClose}
      renderFailure={message => (
        <>
          Your {secret.name} was not cleared: {message}
        </>
      )}
    >
      This deletes your value. Plugins that use it will ask you for one again.
      Which plugins you allowed stays as it is.
    </ConfirmClearDialog>
  );
}
