import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import type {
  CheckSecretResponse,
  SecretSummary,
} from '@backstage-secrets/plugin-secrets-common';
import { useCallback, useState } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { secretsApiRef } from '../../api';
import { describeError } from '../../lib/errors';
import { ClearSecretDialog } from '../ClearSecretDialog';
import { SecretHistoryDrawer } from '../SecretHistoryDrawer';
import { SetSecretDialog } from '../SetSecretDialog';
import { NoSecrets } from './NoSecrets';
import { SecretsSummaryLine } from './SecretsSummaryLine';
import { SecretsTable } from '../SecretsTable';

/** The list of secrets and what an admin can do with them. */
export function SecretsOverview() {
  const secretsApi = useApi(secretsApiRef);
  const alertApi = useApi(alertApiRef);
  const { value, loading, error, retry } = useAsyncRetry(
    () => secretsApi.listSecrets(),
    [secretsApi],
  );
  // Dialogs follow the secret by name, so that a refreshed list (e.g. after
  // a conflict) gives them the latest version to expect.
  const [editing, setEditing] = useState<string>();
  const [clearing, setClearing] = useState<string>();
  const [history, setHistory] = useState<string>();
  // Checks run from this page: their answers carry the provider's message,
  // which the list does not.
  const [checkResults, setCheckResults] = useState<
    Record<string, CheckSecretResponse>
  >({});
  const [testing, setTesting] = useState<ReadonlySet<string>>(new Set());

  const onSet = useCallback((s: SecretSummary) => setEditing(s.name), []);
  const onClear = useCallback((s: SecretSummary) => setClearing(s.name), []);
  const onHistory = useCallback((s: SecretSummary) => setHistory(s.name), []);
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
  if (items.length === 0) {
    return <NoSecrets />;
  }

  const editingSecret = items.find(s => s.name === editing);
  const clearingSecret = items.find(s => s.name === clearing);
  const historySecret = items.find(s => s.name === history);

  return (
    <>
      <SecretsSummaryLine secrets={items} />
      {error && (
        <Box mb={2}>
          <ResponseErrorPanel
            title="Could not refresh the secrets; the list may be out of date"
            error={error}
          />
        </Box>
      )}
      <SecretsTable
        secrets={items}
        onSet={onSet}
        onClear={onClear}
        onHistory={onHistory}
        onTest={onTest}
        checkResults={checkResults}
        testing={testing}
      />
      {historySecret && (
        <SecretHistoryDrawer
          key={historySecret.name}
          secret={historySecret}
          onClose={() => setHistory(undefined)}
          onConflict={retry}
          onRestored={restored => {
            alertApi.post({
              message: `Restored ${restored.name}: it is now v${
                restored.version ?? '?'
              }.`,
              severity: 'success',
              display: 'transient',
            });
            retry();
          }}
        />
      )}
      {editingSecret && (
        <SetSecretDialog
          key={editingSecret.name}
          secret={editingSecret}
          onClose={() => setEditing(undefined)}
          onConflict={retry}
          onSaved={saved => {
            setEditing(undefined);
            alertApi.post({
              message: `Saved ${saved.name}${
                saved.version !== undefined ? ` (v${saved.version})` : ''
              }.`,
              severity: 'success',
              display: 'transient',
            });
            retry();
          }}
        />
      )}
      {clearingSecret && (
        <ClearSecretDialog
          key={clearingSecret.name}
          secret={clearingSecret}
          onClose={() => setClearing(undefined)}
          onCleared={() => {
            setClearing(undefined);
            alertApi.post({
              message: `Cleared ${clearingSecret.name}.`,
              severity: 'success',
              display: 'transient',
            });
            retry();
          }}
        />
      )}
    </>
  );
}
