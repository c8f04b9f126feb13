export { ConfirmClearDialog } from './ConfirmClearDialog';
export type { ConfirmClearDialogProps } from './ConfirmClearDialog';
