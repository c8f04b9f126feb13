import type { SetSecretRequest } from '@backstage-secrets/plugin-secrets-common';
import { secretPath, type SecretsBackend } from './request';

/**
 * The routes of one collection of values under `base` (`/secrets`,
 * `/user/secrets`): list them, set one, clear one.
 */
export type ValueCollection<TList, TSummary> = {
  list(): Promise<TList>;
  set(name: string, request: SetSecretRequest): Promise<TSummary>;
  clear(name: string): Promise<void>;
};

export function valueCollection<TList, TSummary>(
  backend: SecretsBackend,
  base: string,
): ValueCollection<TList, TSummary> {
  return {
    list: () => backend.get<TList>(base),
    // async: a name that cannot be encoded rejects rather than throws.
    set: async (name, request) =>
      backend.put<TSummary>(secretPath(base, name), {
        // Only the value, the expected version and, when asked for, the
        // request to skip the definition's check; nothing else is sent.
        value: request.value,
        expectedVersion: request.expectedVersion,
        ...(request.skipValidation ? { skipValidation: true } : {}),
      }),
    clear: async name => backend.delete(secretPath(base, name)),
  };
}
