import { useApi } from '@backstage/core-plugin-api';
import type { SecretSummary } from '@backstage-secrets/plugin-secrets-common';
import { secretsApiRef } from '../../api';
import { ConfirmClearDialog } from '../ConfirmClearDialog';

export type DeleteHistoryDialogProps = {
  secret: SecretSummary;
  /** How many versions are kept. */
  versions: number;
  onClose(): void;
  onDeleted(): void;
};

/**
 * Asks before deleting every kept version of a secret whose value was
 * cleared (a purge): for a leaked value that must not be restorable.
 */
export function DeleteHistoryDialog(props: DeleteHistoryDialogProps) {
  const { secret, versions, onClose, onDeleted } = props;
  const secretsApi = useApi(secretsApiRef);
  return (
    <ConfirmClearDialog
      titleId="delete-history-dialog-title"
      title={<>Delete the history of {secret.name}?</>}
      confirmLabel="Delete every version"
      clear={() =>
        // Offered for a cleared secret only: a value set since stays (409).
        secretsApi.clearSecret(secret.name, {
          purge: true,
          expectedVersion: secret.version ?? 0,
        })
      }
      onCleared={onDeleted}
      onClose={onClose}
      renderFailure={message => (
        <>
          The history of {secret.name} was not deleted: {message}
        </>
      )}
    >
      This deletes the{' '}
      {versions === 1 ? 'kept version' : `${versions} kept versions`} of{' '}
      <strong>{secret.name}</strong>: none of them can be restored afterwards.
      This cannot be undone.
    </ConfirmClearDialog>
  );
}
