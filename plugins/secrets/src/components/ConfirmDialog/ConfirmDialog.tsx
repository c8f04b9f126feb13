import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogContentText from '@material-ui/core/DialogContentText';
import DialogTitle from '@material-ui/core/DialogTitle';
import Alert from '@material-ui/lab/Alert';
import type { ReactNode } from 'react';
import {
  useSubmission,
  type SubmissionFailure,
} from '../../hooks/useSubmission';

export type ConfirmDialogProps = {
  /** The id of the title, which labels the dialog. */
  titleId: string;
  title: ReactNode;
  /** What confirming does. */
  children: ReactNode;
  /** Controls below the text, e.g. an option of the change. */
  options?: ReactNode;
  /** The label of the confirming button. */
  confirmLabel: ReactNode;
  /** The confirming button's colour: `secondary` for deleting. */
  confirmColor: 'primary' | 'secondary';
  /** Does what was asked for; it tells its outcome itself. */
  confirm(): Promise<void>;
  /** The backend answered 409: the value changed meanwhile. */
  onConflict?(): void;
  onClose(): void;
  /** The error alert's content when `confirm` failed. */
  renderFailure(failure: SubmissionFailure): ReactNode;
};

/**
 * Asks before a change, saying what it does: Cancel, or the confirming
 * button. While the change is under way neither can be pressed and the
 * dialog cannot be dismissed; if it fails, the dialog stays open with the
 * error so that the user can try again or cancel.
 */
export function ConfirmDialog(props: ConfirmDialogProps) {
  const { titleId, confirm, onConflict, onClose } = props;
  const { busy, failure, submit } = useSubmission();

  return (
    <Dialog open onClose={() => !busy && onClose()} aria-labelledby={titleId}>
      <DialogTitle id={titleId}>{props.title}</DialogTitle>
      <DialogContent>
        {failure?.message && (
          <Alert severity="error" role="alert" style={{ marginBottom: 16 }}>
            {props.renderFailure(failure)}
          </Alert>
        )}
        <DialogContentText>{props.children}</DialogContentText>
        {props.options}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={busy}>
          Cancel
        </Button>
        <Button
          onClick={() => submit(confirm, { onConflict })}
          disabled={busy}
          color={props.confirmColor}
          variant="contained"
        >
          {props.confirmLabel}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
