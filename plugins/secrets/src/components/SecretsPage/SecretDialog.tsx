import { ClearSecretDialog } from '../ClearSecretDialog';
import type { ListedSecretProps } from '../listedSecretProps';
import { SecretHistoryDrawer } from '../SecretHistoryDrawer';
import { SetSecretDialog } from '../SetSecretDialog';

/** The dialogs (and the drawer) that the table's actions open on a secret. */
export type SecretDialogKind = 'set' | 'clear' | 'history';

export type SecretDialogProps = ListedSecretProps & {
  dialog: SecretDialogKind;
  /** A change was made: `message` says which. */
  onChanged(message: string): void;
};

/**
 * The dialog open on one secret of the list. Set and Clear close once done;
 * the history stays open after a restore, to show the new version.
 */
export function SecretDialog(props: SecretDialogProps) {
  const { dialog, onChanged, ...listed } = props;
  const { secret, onClose } = listed;
  if (dialog === 'history') {
    return (
      <SecretHistoryDrawer
        {...listed}
        onRestored={restored =>
          onChanged(
            `Restored ${restored.name}: it is now v${restored.version ?? '?'}.`,
          )
        }
        onHistoryDeleted={() =>
          onChanged(`Deleted every version of ${secret.name}.`)
        }
      />
    );
  }
  if (dialog === 'set') {
    return (
      <SetSecretDialog
        {...listed}
        onSaved={saved => {
          onClose();
          onChanged(
            `Saved ${saved.name}${
              saved.version !== undefined ? ` (v${saved.version})` : ''
            }.`,
          );
        }}
      />
    );
  }
  // Clearing deletes whatever is stored: it expects no version.
  return (
    <ClearSecretDialog
      secret={secret}
      onClose={onClose}
      onCleared={({ purged }) => {
        onClose();
        onChanged(
          purged
            ? `Cleared ${secret.name} and deleted its history.`
            : `Cleared ${secret.name}.`,
        );
      }}
    />
  );
}
