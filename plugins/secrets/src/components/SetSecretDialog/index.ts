export { SetSecretDialog } from './SetSecretDialog';
export type { SetSecretDialogProps } from './SetSecretDialog';
