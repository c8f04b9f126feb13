import Alert from '@material-ui/lab/Alert';
import AlertTitle from '@material-ui/lab/AlertTitle';
import { manageSecretsPermission } from '@backstage-secrets/plugin-secrets-common';

/**
 * Shown instead of the page to someone without `manage-secrets`, e.g. after
 * following a shared link. The backend refuses them anyway; this says why.
 */
export function PermissionDenied() {
  return (
    <Alert severity="warning" role="alert">
      <AlertTitle>
        You need the {manageSecretsPermission.name} permission
      </AlertTitle>
      Only people who hold the <code>{manageSecretsPermission.name}</code>{' '}
      permission can see and change the secrets that Backstage plugins use. Ask
      a Backstage administrator to grant it to you if you need it.
    </Alert>
  );
}
