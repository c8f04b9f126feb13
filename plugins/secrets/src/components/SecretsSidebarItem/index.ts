export { SecretsSidebarItem } from './SecretsSidebarItem';
export type { SecretsSidebarItemProps } from './SecretsSidebarItem';
