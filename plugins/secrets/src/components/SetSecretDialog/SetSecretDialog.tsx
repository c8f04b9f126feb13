import { useApi } from '@backstage/core-plugin-api';
import { makeStyles } from '@material-ui/core/styles';
import AlertTitle from '@material-ui/lab/AlertTitle';
import type { SecretSummary } from '@backstage-secrets/plugin-secrets-common';
import { secretsApiRef } from '../../api';
import type { ListedSecretProps } from '../listedSecretProps';
import { ValueDialog } from '../ValueDialog';

const useStyles = makeStyles(theme => ({
  note: {
    marginBottom: theme.spacing(2),
  },
}));

export type SetSecretDialogProps = ListedSecretProps & {
  onSaved(saved: SecretSummary): void;
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
  // onSaved, onConflict and onClose go to the dialog as they are.
  const { secret, ...callbacks } = props;
  const classes = useStyles();
  const secretsApi = useApi(secretsApiRef);

  const replacing =
    secret.source === 'database' || secret.version !== undefined;
  const verb = replacing ? 'Replace' : 'Set';

  return (
    <ValueDialog
      titleId="set-secret-dialog-title"
      title={
        <>
          {verb} {secret.name}
        </>
      }
      noteClassName={classes.note}
      note={
        replacing
          ? `The current value (v${
              secret.version ?? '?'
            }) cannot be shown: values never leave the server. Saving replaces it for every plugin that reads ${
              secret.name
            }.`
          : `Once saved, the value cannot be shown again, here or anywhere else in the browser: only backend plugins can read it.`
      }
      name={secret.name}
      format={secret.format}
      save={value =>
        secretsApi.setSecret(secret.name, {
          value,
          // 0 = "I saw no stored value": a value stored meanwhile is a conflict.
          expectedVersion: secret.version ?? 0,
        })
      }
      // The provider may be down, or the admin knows better: after a failed
      // check they may save anyway, deliberately.
      saveUnchecked={value =>
        secretsApi.setSecret(secret.name, {
          value,
          expectedVersion: secret.version ?? 0,
          skipValidation: true,
        })
      }
      {...callbacks}
      renderFailure={(message, conflict, checkFailed) => {
        if (checkFailed) {
          return (
            <>
              <AlertTitle>The check of {secret.name} failed</AlertTitle>
              <span data-testid="check-failure-message">{message}</span>
              <br />
              Nothing was saved. Correct the value, or, if you are sure it is
              right (e.g. the provider is unreachable), save it without the
              check.
            </>
          );
        }
        return conflict ? (
          <>
            <AlertTitle>
              Someone else changed {secret.name} while you were editing
            </AlertTitle>
            {message} Your value was not saved and is still below. The list now
            shows the latest version: save again to replace it, or cancel to
            keep it.
          </>
        ) : (
          <>
            {secret.name} was not saved: {message}
          </>
        );
      }}
    />
  );
}
