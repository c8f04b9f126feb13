import { SidebarItem } from '@backstage/core-components';
import { useRouteRef, type IconComponent } from '@backstage/core-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import VpnKeyIcon from '@material-ui/icons/VpnKey';
import { manageSecretsPermission } from '@backstage-secrets/plugin-secrets-common';
import { rootRouteRef } from '../../routes';

/**
 * Props of {@link SecretsSidebarItem}.
 *
 * @public
 */
export type SecretsSidebarItemProps = {
  /** Defaults to a key icon. */
  icon?: IconComponent;
  /** Defaults to "Manage secrets". */
  text?: string;
};

/**
 * The "Manage secrets" sidebar item of the legacy frontend system. It renders
 * nothing at all (not a disabled item) for someone without `manage-secrets`,
 * and nothing while that is being checked.
 *
 * @public
 */
export function SecretsSidebarItem(props: SecretsSidebarItemProps) {
  const { allowed } = usePermission({ permission: manageSecretsPermission });
  const link = useRouteRef(rootRouteRef);
  if (!allowed) {
    return null;
  }
  return (
    <SidebarItem
      icon={props.icon ?? VpnKeyIcon}
      to={link()}
      text={props.text ?? 'Manage secrets'}
    />
  );
}
