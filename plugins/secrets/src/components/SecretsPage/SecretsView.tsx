import { Progress } from '@backstage/core-components';
import { usePermission } from '@backstage/plugin-permission-react';
import { manageSecretsPermission } from '@backstage-secrets/plugin-secrets-common';
import { PermissionDenied } from './PermissionDenied';
import { SecretsOverview } from './SecretsOverview';

/**
 * The page's content, for both frontend systems: the secrets for holders of
 * `manage-secrets`, an explanation for everyone else. Without the permission
 * the list is not even requested (the backend would refuse it anyway).
 */
export function SecretsView() {
  const { loading, allowed } = usePermission({
    permission: manageSecretsPermission,
  });
  if (loading) {
    return <Progress />;
  }
  if (!allowed) {
    return <PermissionDenied />;
  }
  return <SecretsOverview />;
}
