import type { ReactNode } from 'react';
import { ConfirmDialog, type ConfirmDialogProps } from '../ConfirmDialog';

export type ConfirmClearDialogProps = Pick<
  ConfirmDialogProps,
  'titleId' | 'title' | 'children' | 'options' | 'confirmLabel' | 'onClose'
> & {
  /** Deletes the value. */
  clear(): Promise<void>;
  onCleared(): void;
  /** The error alert's content when clearing failed. */
  renderFailure(message: string): ReactNode;
};

/** Asks before deleting a value; stays open with the error if that fails. */
export function ConfirmClearDialog(props: ConfirmClearDialogProps) {
  const { clear, onCleared, renderFailure, ...dialog } = props;
  return (
    <ConfirmDialog
      {...dialog}
      confirmColor="secondary"
      confirm={async () => {
        await clear();
        onCleared();
      }}
      renderFailure={failure => renderFailure(failure.message)}
    />
  );
}
