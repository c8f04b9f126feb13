import { useApi } from '@backstage/core-plugin-api';
import type { UserSecretSummary } from '@backstage-secrets/plugin-secrets-common';
import { userSecretsApiRef } from '../../api';
import { ValueDialog } from '../ValueDialog';

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
  const verb = secret.set ? 'Replace' : 'Add';

  return (
    <ValueDialog
      titleId="user-secret-dialog-title"
      title={
        <>
          {verb} your {secret.name}
        </>
      }
      note={
        secret.set
          ? 'Your current value cannot be shown, not even to you. Saving replaces it for every plugin you allowed.'
          : 'Once saved, your value cannot be shown again, not even to you: only the plugins you allow can use it, for your requests.'
      }
      name={secret.name}
      format={secret.format}
      save={value =>
        api.setUserSecret(secret.name, {
          value,
          expectedVersion: secret.set ? secret.version ?? 0 : 0,
        })
      }
      onSaved={onSaved}
      onConflict={onConflict}
      onClose={onClose}
      renderFailure={message => (
        <>
          Your {secret.name} was not saved: {message}
        </>
      )}
    />
  );
}
