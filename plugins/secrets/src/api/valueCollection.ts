import type { SetSecretRequest } from '@backstage-secrets/plugin-secrets-common';
import { secretPath, secretsBackend, type SecretsBackendApis } from './request';

/**
 * The routes of one collection of values under `base` (`/secrets`,
 * `/user/secrets`): list them, set one, clear one, and the routes below one
 * value (`below`, e.g. `['versions']` for `/secrets/NAME/versions`).
 *
 * Every method that takes a name is async, so that a name that cannot be
 * encoded rejects rather than throws.
 */
export type ValueCollection<TList, TSummary> = {
  list(): Promise<TList>;
  set(name: string, request: SetSecretRequest): Promise<TSummary>;
  /** `query`: e.g. `{ purge: 'true' }` for `DELETE /secrets/NAME?purge=true`. */
  clear(name: string, query?: Record<string, string>): Promise<void>;
  get<T>(name: string, below: string[]): Promise<T>;
  put<T>(name: string, below: string[], body: unknown): Promise<T>;
  post<T>(name: string, below: string[], body: unknown): Promise<T>;
};

export function valueCollection<TList, TSummary>(
  apis: SecretsBackendApis,
  base: string,
): ValueCollection<TList, TSummary> {
  const backend = secretsBackend(apis);
  const path = (name: string, below: string[] = []) =>
    secretPath(base, name, ...below);
  return {
    list: () => backend.get<TList>(base),
    set: async (name, request) =>
      backend.put<TSummary>(path(name), {
        // Only the value, the expected version and, when asked for, the
        // request to skip the definition's check; nothing else is sent.
        value: request.value,
        expectedVersion: request.expectedVersion,
        ...(request.skipValidation ? { skipValidation: true } : {}),
      }),
    clear: async (name, query = {}) => {
      const search = new URLSearchParams(query).toString();
      return backend.delete(search ? `${path(name)}?${search}` : path(name));
    },
    get: async (name, below) => backend.get(path(name, below)),
    put: async (name, below, body) => backend.put(path(name, below), body),
    post: async (name, below, body) => backend.post(path(name, below), body),
  };
}
