/*
 * Access: who may call which route (the gate, before any input is read),
 * who may manage secrets (manage-secrets), and who may read a value
 * (scopes and readers).
 */
export { createAccessGate } from './accessGate';
export { accessOf, type Access } from './grantedAccess';
export {
  createEntityManageAuthorizer,
  createManageAuthorizer,
} from './manageAuthorizer';
export { ReaderPolicy } from './ReaderPolicy';
export {
  AllowAllProbe,
  EVERYONE_MAY_MANAGE_WARNING,
  NO_PERMISSION_FRAMEWORK_WARNING,
} from './allowAllProbe';
export {
  BUILT_IN_FORWARDING_PLUGINS,
  guardForwardingReaders,
} from './forwardingPlugins';
