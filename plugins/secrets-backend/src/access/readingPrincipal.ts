import type { Request } from 'express';
import type {
  AuthService,
  BackstageCredentials,
  HttpAuthService,
} from '@backstage/backend-plugin-api';
import {
  AuthenticationError,
  isError,
  NotAllowedError,
} from '@backstage/errors';

export const USER_TOKEN_REFUSED =
  "Secret values are read with the reading plugin's own credentials (its service token), never with a user's token, not even one a plugin obtained on behalf of a user. Read it through the secrets service (secretsServiceRef) in a backend plugin.";

/** Who reads a value: the caller, and the user it reads for (user scope). */
export interface ReadingPrincipal {
  /** e.g. `plugin:catalog`, or an allowed external subject */
  caller: string;
  onBehalfOf?: string;
}

/**
 * The principal of a value read: for a shared secret, a plugin's own
 * token, or an allowed external one; for a user's own value, a plugin
 * acting on that user's behalf. Throws 401/403 naming what is expected.
 */
export async function readingPrincipalOf(
  req: Request,
  scope: 'shared' | 'user' | 'entity' | undefined,
  options: {
    httpAuth: HttpAuthService;
    auth: AuthService;
    allowExternalAccessToValues: boolean;
  },
): Promise<ReadingPrincipal> {
  const { httpAuth, auth } = options;
  let credentials: BackstageCredentials;
  try {
    credentials = await httpAuth.credentials(req, {
      allow: ['service', 'user'],
    });
  } catch (error) {
    if (isError(error) && error.name === 'AuthenticationError') throw error;
    throw new AuthenticationError(
      'Reading a secret value requires a backend plugin token.',
    );
  }
  if (scope === 'user') {
    // A user's own value: only a plugin acting for that user reads it.
    const actor = auth.isPrincipal(credentials, 'user')
      ? credentials.principal.actor?.subject
      : undefined;
    if (actor?.startsWith('plugin:') && auth.isPrincipal(credentials, 'user')) {
      return {
        caller: actor,
        onBehalfOf: credentials.principal.userEntityRef,
      };
    }
    throw new NotAllowedError(
      auth.isPrincipal(credentials, 'user')
        ? "A user's own value is read only by a backend plugin acting on the user's behalf; users never read values back."
        : 'This secret holds one value per user: a plugin reads it on behalf of the user whose request it serves (getSecret(name, { onBehalfOf: credentials })).',
    );
  }
  if (!auth.isPrincipal(credentials, 'service')) {
    throw new NotAllowedError(USER_TOKEN_REFUSED);
  }
  const { subject, accessRestrictions } = credentials.principal;
  if (subject.startsWith('plugin:')) return { caller: subject };
  if (!options.allowExternalAccessToValues) {
    throw new NotAllowedError(
      'Secret values can only be read by backend plugins; external access tokens are refused unless secrets.allowExternalAccessToValues is true.',
    );
  }
  // Reading a value is no permission that a restriction could name: an
  // external token limited to certain permissions may not read values.
  if (
    accessRestrictions?.permissionNames ||
    accessRestrictions?.permissionAttributes
  ) {
    throw new NotAllowedError(
      "This external access token is restricted to certain permissions, which never include reading secret values; remove the token's permission restrictions (keep its plugin restriction to 'secrets') to let it read values.",
    );
  }
  return { caller: subject };
}
