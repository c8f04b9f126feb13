import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import type { SecretSummary } from '@backstage-secrets/plugin-secrets-common';
import { useCallback, useState } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { secretsApiRef } from '../../api';
import { ClearSecretDialog } from '../ClearSecretDialog';
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

  const onSet = useCallback((s: SecretSummary) => setEditing(s.name), []);
  const onClear = useCallback((s: SecretSummary) => setClearing(s.name), []);

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
      <SecretsTable secrets={items} onSet={onSet} onClear={onClear} />
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
