import { WarningPanel } from '@backstage/core-components';
import Typography from '@material-ui/core/Typography';

/**
 * Shown to admins when the backend found that the permission policy lets
 * every signed-in user manage secrets (e.g. create-app's allow-all policy
 * left in place), with what fixes it.
 */
export function EveryoneMayManageWarning() {
  return (
    <WarningPanel
      severity="warning"
      title="Every signed-in user can manage secrets"
      defaultExpanded
    >
      <Typography variant="body2">
        The permission policy allows <code>manage-secrets</code> to everyone
        (create-app installs an allow-all policy), so{' '}
        <code>secrets.permission.managers</code> is not used. Replace the
        allow-all policy module with{' '}
        <code>
          @backstage-secrets/plugin-permission-backend-module-secrets-policy
        </code>
        , or give your own policy a <code>manage-secrets</code> rule.
      </Typography>
    </WarningPanel>
  );
}
