import { useState } from 'react';
import { describeError, isCheckFailure, isConflict } from '../lib/errors';

/** Why the last request of a {@link useSubmission} failed. */
export type SubmissionFailure = {
  message: string;
  /** 409: the value changed meanwhile */
  conflict: boolean;
  /** 422: the definition's check refused the value */
  checkFailed: boolean;
};

/**
 * One request at a time on behalf of a form or dialog: whether it is under
 * way, and the sentence to show when the last one failed.
 */
export function useSubmission() {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<SubmissionFailure>();

  /**
   * Runs `step`, remembering its failure; `onConflict` is called when the
   * backend answered 409 (the value changed meanwhile).
   */
  const submit = async (
    step: () => Promise<void>,
    options?: { onConflict?(): void },
  ) => {
    setBusy(true);
    setFailure(undefined);
    try {
      await step();
    } catch (error) {
      const conflict = isConflict(error);
      setFailure({
        message: describeError(error),
        conflict,
        checkFailed: isCheckFailure(error),
      });
      if (conflict) {
        options?.onConflict?.();
      }
    } finally {
      setBusy(false);
    }
  };

  return { busy, failure, submit };
}
