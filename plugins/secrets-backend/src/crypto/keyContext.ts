/**
 * Whose value a row holds: none (a shared value, or an entity-scoped
 * secret's default), a user's ref (a user's own value), or a catalog
 * entity (an entity's own value).
 */
export type ValueOwner = string | { entityRef: string };

/** The scope of an owner's values, as key contexts and audit events name it. */
export function scopeOf(owner?: ValueOwner): 'shared' | 'user' | 'entity' {
  if (owner === undefined) return 'shared';
  return typeof owner === 'string' ? 'user' : 'entity';
}

/** An owner as one string, for cache keys (never shared between scopes). */
export function ownerKey(owner?: ValueOwner): string {
  if (owner === undefined) return '';
  return typeof owner === 'string'
    ? `user:${owner}`
    : `entity:${owner.entityRef}`;
}

/**
 * What a data key protects, bound to the wrapped key by the provider (the
 * KMS encryption context): the secret's name and scope, and the user for a
 * user's own value or the entity for an entity's own value. A wrapped key
 * moved to another row does not unwrap.
 */
export function keyContext(
  name: string,
  owner?: ValueOwner,
): Record<string, string> {
  if (owner === undefined) return { secret: name, scope: 'shared' };
  return typeof owner === 'string'
    ? { secret: name, scope: 'user', user: owner }
    : { secret: name, scope: 'entity', entity: owner.entityRef };
}

/** A context as authenticated data (the `local` provider): sorted, so key order never matters. */
export function contextData(context: Record<string, string>): Buffer {
  const sorted = Object.keys(context)
    .sort()
    .map(key => [key, context[key]]);
  return Buffer.from(`backstage-secrets:wrap:v1:${JSON.stringify(sorted)}`);
}
