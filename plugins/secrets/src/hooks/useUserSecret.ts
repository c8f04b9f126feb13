import { useApi } from '@backstage/core-plugin-api';
import type { UserSecretSummary } from '@backstage-secrets/plugin-secrets-common';
import { useCallback, useEffect, useState } from 'react';
import { userSecretsApiRef } from '../api';

/**
 * What {@link useUserSecret} returns.
 *
 * @public
 */
export type UseUserSecretResult = {
  loading: boolean;
  error?: Error;
  /** The signed-in user's view of the secret; undefined while loading, or when no plugin registers a per-user secret of that name. */
  secret?: UserSecretSummary;
  /** Whether the user set a value and allowed `pluginId` (when given) to use it. */
  ready: boolean;
  /** Fetches it again. */
  retry(): void;
  /** Replaces the held summary with one the backend answered (after a set or a grant). */
  update(secret: UserSecretSummary): void;
};

/** Whether the user allowed `pluginId` to use their value. */
export function isAllowed(
  secret: UserSecretSummary | undefined,
  pluginId: string,
): boolean {
  return !!secret?.grants.some(g => g.pluginId === pluginId && g.allowed);
}

/**
 * The signed-in user's own state of one per-user secret: whether they set a
 * value, and which plugins they allowed. Never the value.
 *
 * @param name - the secret's name, e.g. `PERSONAL_OPENAI_API_KEY`
 * @param options - `pluginId`: the plugin that needs the value; `ready` is
 *   true only when the value is set and this plugin is allowed
 * @public
 */
export function useUserSecret(
  name: string,
  options?: { pluginId?: string },
): UseUserSecretResult {
  const api = useApi(userSecretsApiRef);
  const pluginId = options?.pluginId;
  const [state, setState] = useState<{
    loading: boolean;
    error?: Error;
    secret?: UserSecretSummary;
  }>({ loading: true });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let cancelled = false;
    setState(previous => ({ ...previous, loading: true, error: undefined }));
    api.listUserSecrets().then(
      ({ items }) => {
        if (!cancelled) {
          setState({
            loading: false,
            secret: items.find(i => i.name === name),
          });
        }
      },
      (error: Error) => {
        if (!cancelled) {
          setState({ loading: false, error });
        }
      },
    );
    return () => {
      cancelled = true;
    };
  }, [api, name, attempt]);

  const retry = useCallback(() => setAttempt(n => n + 1), []);
  const update = useCallback(
    (secret: UserSecretSummary) => setState({ loading: false, secret }),
    [],
  );

  const secret = state.secret;
  const ready =
    !!secret?.set && (pluginId === undefined || isAllowed(secret, pluginId));
  return { ...state, ready, retry, update };
}
