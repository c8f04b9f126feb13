import {
  ConflictError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import type { RegisteredSecret } from '../registry';

/*
 * The refusals that several operations on shared values share, so that
 * each is worded once.
 */

/**
 * A user-scoped secret read with a plugin's own token: it has no value
 * but the users' own. The client reacts to it (a response header says so)
 * by reading on behalf of the user it was given.
 */
export class UserScopedReadError extends NotAllowedError {
  constructor(name: string) {
    super(
      `Secret ${name} holds one value per user: read it on behalf of the user whose request your plugin serves, with getSecret('${name}', { onBehalfOf: credentials }).`,
    );
  }
}

/**
 * A read of a name that no installed plugin declares: a 404 that the router
 * marks with the `not-registered` reason header, so that the client rejects
 * instead of reading it as unset.
 */
export class SecretNotRegisteredError extends NotFoundError {}

/** A manage operation on a name that no installed plugin declares. */
export function notRegisteredError(name: string): NotFoundError {
  return new NotFoundError(
    `Secret ${name} is not registered: no installed plugin declares it. Only registered secrets can be set.`,
  );
}

/** Admins neither set nor clear users' own values. */
export function refuseUserScoped(definition: RegisteredSecret): void {
  if (definition.scope === 'user') {
    throw new ConflictError(
      `Secret ${definition.name} holds one value per user: each user sets their own on their "My secrets" page (/settings/secrets). Admins cannot set or clear users' values (a shared value left from before it held one per user is deleted with DELETE /secrets/${definition.name}?purge=true).`,
    );
  }
}

/**
 * An entity-scoped secret read without an entity: each entity has its own
 * value (or the default), so the reader names the entity it reads for.
 */
export class EntityScopedReadError extends NotAllowedError {
  constructor(name: string) {
    super(
      `Secret ${name} holds one value per catalog entity: read it for the entity your plugin serves, with getSecret('${name}', { entityRef }).`,
    );
  }
}
