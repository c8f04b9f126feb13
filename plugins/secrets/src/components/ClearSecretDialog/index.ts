export { ClearSecretDialog } from './ClearSecretDialog';
export type { ClearSecretDialogProps } from './ClearSecretDialog';
