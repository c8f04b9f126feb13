export { ValueDialog } from './ValueDialog';
export type { ValueDialogProps } from './ValueDialog';
