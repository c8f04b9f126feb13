import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import type {
  CheckSecretResponse,
  SecretSummary,
} from '@backstage-secrets/plugin-secrets-common';
import { useCallback, useMemo, useState } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { secretsApiRef } from '../../api';
import { describeError } from '../../lib/errors';
import { InlineErrorPanel } from '../InlineErrorPanel';
import { EveryoneMayManageWarning } from './EveryoneMayManageWarning';
import { NoSecrets } from './NoSecrets';
import { SecretDialog, type SecretDialogKind } from './SecretDialog';
import { SecretsSummaryLine } from './SecretsSummaryLine';
import { SecretsTable, type SecretActions } from '../SecretsTable';

/** The list of secrets and what an admin can do with them. */
export function SecretsOverview() {
  const secretsApi = useApi(secretsApiRef);
  const alertApi = useApi(alertApiRef);
  const { value, loading, error, retry } = useAsyncRetry(
    () => secretsApi.listSecrets(),
    [secretsApi],
  );
  // The open dialog follows its secret by name, so that a refreshed list
  // (e.g. after a conflict) gives it the latest version to expect.
  const [open, setOpen] = useState<{
    dialog: SecretDialogKind;
    name: string;
  }>();
  // Checks run from this page: their answers carry the provider's message,
  // which the list does not.
  const [checkResults, setCheckResults] = useState<
    Record<string, CheckSecretResponse>
  >({});
  const [testing, setTesting] = useState<ReadonlySet<string>>(new Set());

  /** After a change made in a dialog: says so, and fetches the list again. */
  const announce = useCallback(
    (message: string) => {
      alertApi.post({ message, severity: 'success', display: 'transient' });
      retry();
    },
    [alertApi, retry],
  );

  const onTest = useCallback(
    async ({ name }: SecretSummary) => {
      setTesting(names => new Set(names).add(name));
      try {
        const result = await secretsApi.checkSecret(name);
        setCheckResults(results => ({ ...results, [name]: result }));
        alertApi.post({
          message: result.ok
            ? `The check of ${name} passed.`
            : `The check of ${name} failed: ${
                result.message ?? 'no reason given'
              }`,
          severity: result.ok ? 'success' : 'error',
          display: 'transient',
        });
        // The list now has lastCheckedAt / lastCheckOk.
        retry();
      } catch (e) {
        alertApi.post({
          message: `Could not test ${name}: ${describeError(e)}`,
          severity: 'error',
        });
      } finally {
        setTesting(names => {
          const next = new Set(names);
          next.delete(name);
          return next;
        });
      }
    },
    [secretsApi, alertApi, retry],
  );
  const actions = useMemo<SecretActions>(
    () => ({
      onSet: ({ name }) => setOpen({ dialog: 'set', name }),
      onClear: ({ name }) => setOpen({ dialog: 'clear', name }),
      onHistory: ({ name }) => setOpen({ dialog: 'history', name }),
      onTest,
    }),
    [onTest],
  );

  // On a refresh the previous list stays on screen; only the first load
  // shows the progress bar.
  if (!value) {
    if (loading) {
      return <Progress />;
    }
    if (error) {
      return (
        <>
          <ResponseErrorPanel
            title="Could not load the secrets"
            error={error}
          />
          <Box mt={2}>
            <Button variant="outlined" onClick={retry}>
              Try again
            </Button>
          </Box>
        </>
      );
    }
  }

  const items = value?.items ?? [];
  const warning = value?.everyoneMayManage ? (
    <Box mb={2}>
      <EveryoneMayManageWarning />
    </Box>
  ) : null;
  if (items.length === 0) {
    return (
      <>
        {warning}
        <NoSecrets />
      </>
    );
  }

  const openSecret = open && items.find(s => s.name === open.name);

  return (
    <>
      {warning}
      <SecretsSummaryLine secrets={items} />
      {error && (
        <InlineErrorPanel
          title="Could not refresh the secrets; the list may be out of date"
          error={error}
        />
      )}
      <SecretsTable
        secrets={items}
        actions={actions}
        checkResults={checkResults}
        testing={testing}
      />
      {open && openSecret && (
        <SecretDialog
          key={`${open.dialog}:${openSecret.name}`}
          dialog={open.dialog}
          secret={openSecret}
          onClose={() => setOpen(undefined)}
          onConflict={retry}
          onChanged={announce}
        />
      )}
    </>
  );
}
