import { useApi } from '@backstage/core-plugin-api';
import AlertTitle from '@material-ui/lab/AlertTitle';
import type { SecretSummary } from '@backstage-secrets/plugin-secrets-common';
import { secretsApiRef } from '../../api';
import { ConfirmDialog } from '../ConfirmDialog';
import type { ListedSecretProps } from '../listedSecretProps';

export type RestoreVersionDialogProps = ListedSecretProps & {
  /** The version to restore. */
  version: number;
  onRestored(restored: SecretSummary): void;
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

  return (
    <ConfirmDialog
      titleId="restore-version-dialog-title"
      title={
        <>
          Restore v{version} of {secret.name}?
        </>
      }
      confirmLabel={<>Restore v{version}</>}
      confirmColor="primary"
      confirm={async () =>
        onRestored(
          await secretsApi.restoreVersion(secret.name, version, {
            // 0 = "I saw no stored value", as for a PUT.
            expectedVersion: secret.version ?? 0,
          }),
        )
      }
      onConflict={onConflict}
      onClose={onClose}
      renderFailure={failure =>
        failure.conflict ? (
          <>
            <AlertTitle>
              Someone else changed {secret.name} meanwhile
            </AlertTitle>
            {failure.message} Nothing was restored. The history now shows the
            latest version: restore again if you still want v{version}, or
            cancel.
          </>
        ) : (
          <>
            v{version} of {secret.name} was not restored: {failure.message}
          </>
        )
      }
    >
      The value of v{version} becomes the current value of{' '}
      <strong>{secret.name}</strong>, as a new version, for every plugin that
      reads it.
      {secret.version !== undefined &&
        ` The current value (v${secret.version}) stays in the history, so this can be undone the same way.`}
    </ConfirmDialog>
  );
}
