/**
 * What a data key protects, bound to the wrapped key by the provider (the
 * KMS encryption context): the secret's name and scope, and the user for a
 * user's own value. A wrapped key moved to another row does not unwrap.
 */
export function keyContext(
  name: string,
  owner?: string,
): Record<string, string> {
  return owner === undefined
    ? { secret: name, scope: 'shared' }
    : { secret: name, scope: 'user', user: owner };
}

/** A context as authenticated data (the `local` provider): sorted, so key order never matters. */
export function contextData(context: Record<string, string>): Buffer {
  const sorted = Object.keys(context)
    .sort()
    .map(key => [key, context[key]]);
  return Buffer.from(`backstage-secrets:wrap:v1:${JSON.stringify(sorted)}`);
}
