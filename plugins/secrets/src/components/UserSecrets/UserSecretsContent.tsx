import {
  EmptyState,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import type { UserSecretSummary } from '@backstage-secrets/plugin-secrets-common';
import { useCallback, useEffect, useState } from 'react';
import { userSecretsApiRef } from '../../api';
import { UserSecretCard } from './UserSecretCard';

/**
 * "My secrets": the signed-in user's own per-user secrets, for both
 * frontend systems (a settings tab in the new one, `UserSecretsPage` in the
 * legacy one). Lists metadata only; values are never received.
 */
export function UserSecretsContent() {
  const api = useApi(userSecretsApiRef);
  const [items, setItems] = useState<UserSecretSummary[]>();
  const [error, setError] = useState<Error>();
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let cancelled = false;
    api.listUserSecrets().then(
      response => {
        if (!cancelled) {
          setItems(response.items);
          setError(undefined);
        }
      },
      e => !cancelled && setError(e),
    );
    return () => {
      cancelled = true;
    };
  }, [api, attempt]);

  const reload = useCallback(() => setAttempt(n => n + 1), []);
  const replace = useCallback((changed: UserSecretSummary) => {
    setItems(current =>
      current?.map(item => (item.name === changed.name ? changed : item)),
    );
  }, []);

  if (error) {
    return <ResponseErrorPanel error={error} />;
  }
  if (!items) {
    return <Progress />;
  }
  if (items.length === 0) {
    return (
      <EmptyState
        missing="data"
        title="No plugin asks for your own secrets"
        description="Plugins that work with your personal credentials (your own API key or token) list them here. None of the installed plugins does."
      />
    );
  }
  return (
    <Grid container spacing={3} direction="column">
      <Grid item>
        <Typography variant="body1">
          Your own values for plugins that act on your behalf. They are stored
          encrypted and never shown again, not even to you; nobody else, not
          even an admin, can see them or whether you set one. A plugin can use
          your value only while you allow it, and only for your requests.
        </Typography>
      </Grid>
      {items.map(secret => (
        <Grid item key={secret.name}>
          <UserSecretCard
            secret={secret}
            onChanged={replace}
            onReload={reload}
          />
        </Grid>
      ))}
    </Grid>
  );
}
