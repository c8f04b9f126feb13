import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';

/**
 * Thrown by a read with the plugin's own token when the backend refused it
 * because the secret holds one value per user. Internal: never leaves the
 * client.
 */
export class UserScopedSignal extends Error {}

/** How a {@link UserScopeDiscovery} reads a name, with either token. */
export interface ScopedReads<T> {
  /** with the plugin's own token; rejects with a UserScopedSignal for a user-scoped name */
  shared(): Promise<T>;
  /** the user's own value, read on their behalf */
  forUser(user: BackstageCredentials): Promise<T>;
}

/**
 * Learns which names hold one value per user. The backend does not list
 * them to a reading plugin; the first read of such a name learns it from
 * the refusal of the plugin's own token, and later reads go straight to the
 * user's value. Only registered names get that refusal, so the set stays as
 * small as the registry.
 */
export class UserScopeDiscovery {
  readonly #userScoped = new Set<string>();

  async read<T>(
    name: string,
    user: BackstageCredentials | undefined,
    reads: ScopedReads<T>,
  ): Promise<T> {
    if (user && this.#userScoped.has(name)) {
      return reads.forUser(user);
    }
    try {
      return await reads.shared();
    } catch (error) {
      if (!(error instanceof UserScopedSignal)) throw error;
      this.#userScoped.add(name);
      // Without a user to read for, the refusal stands.
      if (!user) throw new NotAllowedError(error.message);
      return reads.forUser(user);
    }
  }
}

/** The user a value is cached for: their entity ref ('' without one). */
export function userCacheKey(user: BackstageCredentials): string {
  return (user.principal as { userEntityRef?: string }).userEntityRef ?? '';
}
