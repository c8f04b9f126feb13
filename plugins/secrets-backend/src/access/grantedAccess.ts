import type { Response } from 'express';
import type {
  AuditorServiceEvent,
  BackstageCredentials,
  BackstageUserPrincipal,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';

/** Access granted to a manage route. */
export interface ManageAccess {
  kind: 'manage';
  credentials: BackstageCredentials<BackstageUserPrincipal>;
  event: AuditorServiceEvent;
}

/** Access granted to the value route. */
export interface ReadAccess {
  kind: 'read';
  /** e.g. `plugin:catalog` */
  caller: string;
  /** for a user-scoped secret: the user the plugin reads for */
  onBehalfOf?: string;
  event: AuditorServiceEvent;
}

/** Access granted to a user's own routes. */
export interface UserAccess {
  kind: 'user';
  userRef: string;
  event: AuditorServiceEvent;
}

/**
 * Access granted to an entity's secrets routes: a signed-in user's own
 * token. Whether they may see the entity (the catalog) and manage its
 * secrets (the policy) is decided by the route, with these credentials.
 */
export interface EntityAccess {
  kind: 'entity';
  credentials: BackstageCredentials<BackstageUserPrincipal>;
  userRef: string;
  event: AuditorServiceEvent;
}

/** Access granted to a route for backend plugins' own tokens (not audited). */
export interface PluginAccess {
  kind: 'plugin';
  /** e.g. `plugin:catalog` */
  caller: string;
}

export type Access =
  | ManageAccess
  | ReadAccess
  | UserAccess
  | EntityAccess
  | PluginAccess;

/** Where the gate leaves the access it granted, for the route. */
export function grantAccess(res: Response, access: Access): void {
  res.locals.secretsAccess = access;
}

/** The access the gate granted; a route never runs without one. */
export function accessOf<K extends Access['kind']>(
  res: Response,
  kind: K,
): Extract<Access, { kind: K }> {
  const access = res.locals.secretsAccess as Access | undefined;
  if (access?.kind !== kind) {
    // A path form the gate did not recognise reached a route: refuse
    // rather than serve it unchecked.
    throw new NotAllowedError('This request is not allowed.');
  }
  return access as Extract<Access, { kind: K }>;
}
