import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogContentText from '@material-ui/core/DialogContentText';
import DialogTitle from '@material-ui/core/DialogTitle';
import Alert from '@material-ui/lab/Alert';
import type { SecretFormat } from '@backstage-secrets/plugin-secrets-common';
import type { FormEvent, ReactNode } from 'react';
import { useSubmission } from '../../hooks/useSubmission';
import { useValueInput } from '../../hooks/useValueInput';
import { SecretValueField } from '../SecretValueField';
import { SubmitButton } from '../SubmitButton';

export type ValueDialogProps<T> = {
  /** The id of the title, which labels the dialog. */
  titleId: string;
  title: ReactNode;
  /** What saving means, above the field. */
  note: ReactNode;
  noteClassName?: string;
  /** The secret's name and format, for the field. */
  name: string;
  format: SecretFormat;
  /** Stores the value; its answer goes to `onSaved`. */
  save(value: string): Promise<T>;
  /**
   * Stores the value without the definition's check. When given, a failed
   * check (422) offers "Save without check", which calls it.
   */
  saveUnchecked?(value: string): Promise<T>;
  onSaved(saved: T): void;
  /** The value changed elsewhere meanwhile (409). */
  onConflict(): void;
  onClose(): void;
  /**
   * The error alert's content when saving failed: `conflict` for a 409,
   * `checkFailed` when the definition's check refused the value (422).
   */
  renderFailure(
    message: string,
    conflict: boolean,
    checkFailed: boolean,
  ): ReactNode;
};

/**
 * The dialog in which a value is typed and saved: a masked field, Cancel and
 * Save. The value lives only in this component's state and in what `save`
 * sends; when saving fails, the dialog stays open with the value so that
 * nothing typed is lost.
 */
export function ValueDialog<T>(props: ValueDialogProps<T>) {
  const { titleId, name, format, save, saveUnchecked, onSaved, onConflict } =
    props;
  const { onClose } = props;
  const input = useValueInput();
  const { busy: saving, failure, submit } = useSubmission();

  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (input.validate(format)) {
      submit(async () => onSaved(await save(input.value)), { onConflict });
    }
  };

  const offerUnchecked = !!saveUnchecked && !!failure?.checkFailed;
  const handleSaveUnchecked = () => {
    if (saveUnchecked && input.validate(format)) {
      submit(async () => onSaved(await saveUnchecked(input.value)), {
        onConflict,
      });
    }
  };

  const close = () => {
    if (!saving) {
      onClose();
    }
  };

  return (
    <Dialog
      open
      onClose={close}
      fullWidth
      maxWidth="sm"
      aria-labelledby={titleId}
    >
      <form onSubmit={handleSubmit} noValidate autoComplete="off">
        <DialogTitle id={titleId}>{props.title}</DialogTitle>
        <DialogContent>
          <DialogContentText className={props.noteClassName}>
            {props.note}
          </DialogContentText>
          {failure?.message && (
            <Alert severity="error" role="alert" style={{ marginBottom: 16 }}>
              {props.renderFailure(
                failure.message,
                failure.conflict,
                failure.checkFailed,
              )}
            </Alert>
          )}
          <SecretValueField
            name={name}
            format={format}
            {...input.field}
            disabled={saving}
          />
        </DialogContent>
        <DialogActions>
          <Button onClick={close} disabled={saving}>
            Cancel
          </Button>
          {offerUnchecked && (
            <Button
              onClick={handleSaveUnchecked}
              disabled={saving || input.value.length === 0}
              color="secondary"
            >
              Save without check
            </Button>
          )}
          <SubmitButton busy={saving} disabled={input.value.length === 0}>
            Save
          </SubmitButton>
        </DialogActions>
      </form>
    </Dialog>
  );
}
