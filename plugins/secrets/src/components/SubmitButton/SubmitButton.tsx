import Button from '@material-ui/core/Button';
import CircularProgress from '@material-ui/core/CircularProgress';
import type { ReactNode } from 'react';

/** The primary submit button of a value form, with a spinner while busy. */
export function SubmitButton(props: {
  busy: boolean;
  disabled?: boolean;
  children: ReactNode;
}) {
  const { busy, disabled, children } = props;
  return (
    <Button
      type="submit"
      color="primary"
      variant="contained"
      disabled={busy || disabled}
      startIcon={busy ? <CircularProgress size={16} /> : undefined}
    >
      {children}
    </Button>
  );
}
