/**
 * Who may call which route: one row per route of src/schema/openapi.yaml
 * (routeTable.test.ts holds the two to each other). `manager`: a signed-in
 * user holding manage-secrets. `reader`: for a shared secret, a backend
 * plugin's own service token (an external token too, when the operator
 * allows it); for a user-scoped secret, a reader plugin's token on behalf
 * of the user; always among the secret's readers. `user`: any signed-in
 * user with their own token, for their own values. `plugin`: a backend
 * plugin's own service token. `entity`: any signed-in user with their own
 * token; the route then asks the catalog (may they see the entity?) and
 * the policy (`secrets.entity.manage` on the entity).
 */
export interface RouteAccess {
  method: 'GET' | 'PUT' | 'DELETE' | 'POST';
  /** matched against the raw path, as express routes (case-insensitive) */
  path: RegExp;
  who: 'manager' | 'reader' | 'user' | 'plugin' | 'entity';
  /**
   * The path's first three groups are an entity's kind, namespace and name
   * (`/entities/:kind/:namespace/:name/...`), the fourth the secret's name.
   */
  entityPath?: true;
  eventId: string;
  severityLevel: 'low' | 'medium';
  /**
   * Changes a stored value or spends it (a check reaches the provider
   * with it): only the admin's own sign-in, never a token a plugin holds
   * on their behalf.
   */
  ownSignInOnly?: true;
}

export const ROUTES: ReadonlyArray<RouteAccess> = [
  {
    method: 'GET',
    path: /^\/secrets$/i,
    who: 'manager',
    eventId: 'secrets-list',
    severityLevel: 'low',
  },
  {
    method: 'GET',
    path: /^\/encryption$/i,
    who: 'manager',
    eventId: 'encryption-status',
    severityLevel: 'low',
  },
  {
    method: 'PUT',
    path: /^\/secrets\/([^/]+)$/i,
    who: 'manager',
    eventId: 'secret-set',
    severityLevel: 'medium',
    ownSignInOnly: true,
  },
  {
    method: 'DELETE',
    path: /^\/secrets\/([^/]+)$/i,
    who: 'manager',
    eventId: 'secret-clear',
    severityLevel: 'medium',
    ownSignInOnly: true,
  },
  {
    // Runs the definition's check with the value: it reaches the provider.
    method: 'POST',
    path: /^\/secrets\/([^/]+)\/check$/i,
    who: 'manager',
    eventId: 'secret-check',
    severityLevel: 'medium',
    ownSignInOnly: true,
  },
  {
    method: 'GET',
    path: /^\/secrets\/([^/]+)\/versions$/i,
    who: 'manager',
    eventId: 'secret-versions',
    severityLevel: 'low',
  },
  {
    method: 'POST',
    path: /^\/secrets\/([^/]+)\/versions\/([^/]+)\/restore$/i,
    who: 'manager',
    eventId: 'secret-restore',
    severityLevel: 'medium',
    ownSignInOnly: true,
  },
  {
    method: 'GET',
    path: /^\/secrets\/([^/]+)\/value$/i,
    who: 'reader',
    eventId: 'secret-read',
    severityLevel: 'low',
  },
  {
    // The change counter readers poll: no value, polled often, so only
    // refusals are audited.
    method: 'GET',
    path: /^\/changes\/watermark$/i,
    who: 'plugin',
    eventId: 'changes-watermark',
    severityLevel: 'low',
  },
  {
    method: 'GET',
    path: /^\/user\/secrets$/i,
    who: 'user',
    eventId: 'user-secrets-list',
    severityLevel: 'low',
  },
  {
    method: 'PUT',
    path: /^\/user\/secrets\/([^/]+)$/i,
    who: 'user',
    eventId: 'user-secret-set',
    severityLevel: 'medium',
  },
  {
    method: 'DELETE',
    path: /^\/user\/secrets\/([^/]+)$/i,
    who: 'user',
    eventId: 'user-secret-clear',
    severityLevel: 'medium',
  },
  {
    method: 'PUT',
    path: /^\/user\/secrets\/([^/]+)\/grants\/([^/]+)$/i,
    who: 'user',
    eventId: 'user-secret-grant',
    severityLevel: 'medium',
  },
  {
    method: 'GET',
    path: /^\/entities\/([^/]+)\/([^/]+)\/([^/]+)\/secrets$/i,
    who: 'entity',
    entityPath: true,
    eventId: 'entity-secrets-list',
    severityLevel: 'low',
  },
  {
    method: 'PUT',
    path: /^\/entities\/([^/]+)\/([^/]+)\/([^/]+)\/secrets\/([^/]+)$/i,
    who: 'entity',
    entityPath: true,
    eventId: 'entity-secret-set',
    severityLevel: 'medium',
  },
  {
    method: 'DELETE',
    path: /^\/entities\/([^/]+)\/([^/]+)\/([^/]+)\/secrets\/([^/]+)$/i,
    who: 'entity',
    entityPath: true,
    eventId: 'entity-secret-clear',
    severityLevel: 'medium',
  },
];

/** The name segment as sent, decoded when possible, for audit events. */
function rawName(segment: string | undefined): string | undefined {
  if (segment === undefined) return undefined;
  let name = segment;
  try {
    name = decodeURIComponent(segment);
  } catch {
    // keep it as sent: a malformed escape is still worth auditing
  }
  return name.slice(0, 200);
}

/**
 * The route of a request, the way express will route it (one optional
 * trailing slash), with its raw `:name` and second parameter.
 */
export function routeOf(
  method: string,
  path: string,
):
  | {
      route: RouteAccess;
      name?: string;
      pluginId?: string;
      /** for entity routes: the entity as sent, `kind:namespace/name` */
      entity?: string;
    }
  | undefined {
  const verb = method === 'HEAD' ? 'GET' : method;
  const trimmed = path.length > 1 ? path.replace(/\/$/, '') : path;
  for (const route of ROUTES) {
    const match = route.method === verb && trimmed.match(route.path);
    if (match && route.entityPath) {
      return {
        route,
        name: rawName(match[4]),
        entity: rawName(`${match[1]}:${match[2]}/${match[3]}`),
      };
    }
    if (match) {
      return { route, name: rawName(match[1]), pluginId: rawName(match[2]) };
    }
  }
  return undefined;
}
