import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogContentText from '@material-ui/core/DialogContentText';
import DialogTitle from '@material-ui/core/DialogTitle';
import Alert from '@material-ui/lab/Alert';
import type { ReactNode } from 'react';
import { useSubmission } from '../../hooks/useSubmission';

export type ConfirmClearDialogProps = {
  /** The id of the title, which labels the dialog. */
  titleId: string;
  title: ReactNode;
  /** What clearing does. */
  children: ReactNode;
  /** The label of the confirming button. */
  confirmLabel: ReactNode;
  /** Deletes the value. */
  clear(): Promise<void>;
  onCleared(): void;
  onClose(): void;
  /** The error alert's content when clearing failed. */
  renderFailure(message: string): ReactNode;
};

/** Asks before deleting a value; stays open with the error if that fails. */
export function ConfirmClearDialog(props: ConfirmClearDialogProps) {
  const { titleId, clear, onCleared, onClose } = props;
  const { busy: clearing, failure, submit } = useSubmission();

  const confirm = () =>
    submit(async () => {
      await clear();
      onCleared();
    });

  return (
    <Dialog
      open
      onClose={() => !clearing && onClose()}
      aria-labelledby={titleId}
    >
      <DialogTitle id={titleId}>{props.title}</DialogTitle>
      <DialogContent>
        {failure?.message && (
          <Alert severity="error" role="alert" style={{ marginBottom: 16 }}>
            {props.renderFailure(failure.message)}
          </Alert>
        )}
        <DialogContentText>{props.children}</DialogContentText>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={clearing}>
          Cancel
        </Button>
        <Button
          onClick={confirm}
          disabled={clearing}
          color="secondary"
          variant="contained"
        >
          {props.confirmLabel}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
