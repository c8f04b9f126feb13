import type {
  HttpAuthService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import {
  InputError,
  isError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { ENTITY_REF_HEADER } from '@backstage-secrets/plugin-secrets-common';
import type { SecretsService } from '@backstage-secrets/plugin-secrets-node';
import type { Request, RequestHandler } from 'express';
import Router from 'express-promise-router';
import type { IncomingMessage } from 'node:http';
import {
  createProxyMiddleware,
  fixRequestBody,
  Options,
} from 'http-proxy-middleware';
import {
  HEADER_VALUE,
  NEVER_FORWARDED_METHODS,
  SecretsProxyEndpoint,
} from './endpoints';
import { forwardCheckedResponse, reflectionPatterns } from './responseGuard';

/** Where the proxy plugin is mounted. */
const PATH_PREFIX = '/api/proxy';

// The request and response headers that the stock proxy forwards without
// configuration (@backstage/plugin-proxy-backend).
const SAFE_FORWARD_HEADERS = [
  'cache-control',
  'content-language',
  'content-length',
  'content-type',
  'expires',
  'last-modified',
  'pragma',
  'host',
  'accept',
  'accept-language',
  'user-agent',
];

export interface SecretsProxyRouterOptions {
  endpoints: SecretsProxyEndpoint[];
  secrets: SecretsService;
  httpAuth: HttpAuthService;
  /** asked with the caller's credentials whether they may see the entity of `x-backstage-entity-ref` */
  catalog?: Pick<CatalogService, 'getEntityByRef'>;
  logger: LoggerService;
  /** `backend.auth.dangerouslyDisableDefaultAuthPolicy` */
  disableDefaultAuthPolicy: boolean;
  /** `proxy.reviveConsumedRequestBodies`, as the stock proxy reads it */
  reviveConsumedRequestBodies?: boolean;
}

/**
 * The routes of `secrets.proxy.endpoints`, to mount on the proxy plugin's
 * router (below `/api/proxy`). Each request:
 *
 * 1. is refused (400) when its path climbs out with `..`, refused (405) when
 *    its method is TRACE, TRACK or CONNECT, and passed on when its method
 *    is not among `allowedMethods` (GET and HEAD by default for an endpoint
 *    whose headers hold a secret), as in the stock proxy;
 * 2. must carry user or service credentials, unless the endpoint's policy is
 *    `dangerously-allow-unauthenticated`;
 * 3. reads every secret its headers use, as the `proxy` plugin (the secrets
 *    client reuses a value for at most its freshness bound, 500 ms by
 *    default): an unset secret, a refused read, or an unreachable secrets
 *    backend answer 503 and the upstream is not called;
 * 4. loses every request header outside the allow list, and any header of
 *    the same name as a filled one whatever its case;
 * 5. is proxied by http-proxy-middleware with the filled headers set on the
 *    outgoing request;
 * 6. gets the upstream's answer only if it does not hold a filled value (an
 *    upstream that reflects request headers would otherwise hand the secret
 *    to the caller): such an answer is refused with 502 (forwardCheckedResponse).
 *
 * Header values are never logged and never part of an error.
 */
export function createSecretsProxyRouter(
  options: SecretsProxyRouterOptions,
): RequestHandler {
  const router = Router();
  for (const endpoint of options.endpoints) {
    router.use(
      endpoint.route,
      refuseDotDotPaths,
      endpointMiddleware(endpoint, options),
    );
  }
  return router;
}

function refuseDotDotPaths(req: Request, res: any, next: () => void) {
  try {
    const path = decodeURIComponent(req.url.split('?')[0]);
    if (!path.replace(/\\/g, '/').split('/').includes('..')) {
      next();
      return;
    }
  } catch {
    // a malformed escape: refused below
  }
  res.sendStatus(400);
}

function endpointMiddleware(
  endpoint: SecretsProxyEndpoint,
  options: SecretsProxyRouterOptions,
): RequestHandler {
  const { secrets, httpAuth, logger } = options;
  const filled = new WeakMap<IncomingMessage, Array<[string, string]>>();
  // The values filled into each request's headers, to look for in its answer.
  const patterns = new WeakMap<IncomingMessage, Buffer[]>();
  const injected = new Set(endpoint.headers.map(h => h.name.toLowerCase()));

  const requestHeaderAllowList = new Set(
    [
      ...SAFE_FORWARD_HEADERS,
      ...(endpoint.allowedHeaders ?? []),
      ...(endpoint.credentials === 'forward' ? ['authorization'] : []),
    ].map(h => h.toLowerCase()),
  );
  const responseHeaderAllowList = new Set(
    [...SAFE_FORWARD_HEADERS, ...(endpoint.allowedHeaders ?? [])].map(h =>
      h.toLowerCase(),
    ),
  );
  const isMethodAllowed = (method?: string) =>
    endpoint.allowedMethods?.includes((method ?? '').toUpperCase()) ?? true;

  let pathRewrite = endpoint.options.pathRewrite as Options['pathRewrite'];
  if (pathRewrite === undefined) {
    // As the stock proxy: strip the prefix and the route.
    const route = endpoint.route.endsWith('/')
      ? endpoint.route
      : `${endpoint.route}/`;
    pathRewrite = { [`^${PATH_PREFIX}${route}?`]: '/' };
  }

  const proxy = createProxyMiddleware({
    ...(endpoint.options as Options),
    target: endpoint.target,
    changeOrigin: (endpoint.options.changeOrigin as boolean) ?? true,
    pathRewrite,
    // http-proxy-middleware logs routes, targets and errors, never headers.
    logLevel: 'debug',
    logProvider: () => ({
      log: logger.info.bind(logger),
      debug: logger.debug.bind(logger),
      info: logger.info.bind(logger),
      warn: logger.warn.bind(logger),
      error: logger.error.bind(logger),
    }),
    // The answer is checked for filled values before it is forwarded.
    selfHandleResponse: true,
    onProxyReq(proxyReq, req) {
      // setHeader replaces a header of the same name in any case. Before
      // fixRequestBody, which writes the body (and so sends the headers).
      for (const [name, value] of filled.get(req) ?? []) {
        proxyReq.setHeader(name, value);
      }
      // An encoded answer could not be checked for reflected values.
      proxyReq.setHeader('accept-encoding', 'identity');
      if (endpoint.reviveRequestBody || options.reviveConsumedRequestBodies) {
        fixRequestBody(proxyReq, req);
      }
    },
    onProxyRes(proxyRes, req, res) {
      const headers = Object.fromEntries(
        Object.entries(proxyRes.headers).filter(([name]) =>
          responseHeaderAllowList.has(name.toLowerCase()),
        ),
      );
      const status = proxyRes.statusCode ?? 502;
      forwardCheckedResponse(proxyRes, res as any, {
        statusCode: status,
        headers,
        patterns: patterns.get(req) ?? [],
        bodiless: req.method === 'HEAD' || status === 204 || status === 304,
        refuse(reason) {
          logger.warn(
            `Proxy endpoint ${endpoint.route}: refused the upstream's answer (502): ${reason}.`,
          );
          if (res.headersSent) {
            res.destroy();
            return;
          }
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              error: {
                name: 'BadGatewayError',
                message: `Proxy endpoint ${endpoint.route} refused the upstream's answer: ${reason}. Secret values sent in headers are never passed back to the caller.`,
              },
              response: { statusCode: 502 },
            }),
          );
        },
        onLeakWhileStreaming() {
          logger.warn(
            `Proxy endpoint ${endpoint.route}: the upstream's answer held a filled value after it began to stream; the connection was closed before it was sent.`,
          );
        },
      });
    },
  });

  const authenticate =
    endpoint.credentials !== 'dangerously-allow-unauthenticated' &&
    !options.disableDefaultAuthPolicy;

  return async (req, res, next) => {
    if (NEVER_FORWARDED_METHODS.includes((req.method ?? '').toUpperCase())) {
      res.status(405).end();
      return;
    }
    if (!isMethodAllowed(req.method)) {
      // As the stock proxy: not this endpoint's request.
      next();
      return;
    }
    const credentials = authenticate
      ? await httpAuth.credentials(req, { allow: ['user', 'service'] })
      : undefined;

    // Entity-scoped placeholders are filled for the entity the request
    // names, only if the calling user may see it in the catalog.
    const entityRef = await entityOf(req, credentials);
    const values = new Map<string, string>();
    for (const name of endpoint.secretNames) {
      values.set(name, await readSecret(name, entityRef));
    }
    const headers: Array<[string, string]> = endpoint.headers.map(header => [
      header.name,
      header.parts
        .map(part =>
          'secret' in part ? values.get(part.secret) ?? '' : part.text,
        )
        .join(''),
    ]);

    for (const name of Object.keys(req.headers)) {
      const lower = name.toLowerCase();
      if (!requestHeaderAllowList.has(lower) || injected.has(lower)) {
        delete req.headers[name];
      }
    }
    filled.set(req, headers);
    patterns.set(req, reflectionPatterns(values.values()));
    proxy(req, res, next);
  };

  async function entityOf(
    req: Request,
    credentials:
      | Awaited<ReturnType<HttpAuthService['credentials']>>
      | undefined,
  ): Promise<string | undefined> {
    const header = req.headers[ENTITY_REF_HEADER];
    if (header === undefined) return undefined;
    const entityRef = Array.isArray(header) ? header[0] : header;
    const principal = credentials?.principal as { type?: string } | undefined;
    if (!credentials || principal?.type !== 'user' || !options.catalog) {
      throw new NotAllowedError(
        `Proxy endpoint ${endpoint.route} fills a secret for the entity of the ${ENTITY_REF_HEADER} header only for a signed-in user who may see that entity in the catalog.`,
      );
    }
    const entity = await options.catalog
      .getEntityByRef(entityRef, { credentials })
      .catch(() => undefined);
    if (!entity) {
      throw new NotFoundError(
        `Entity ${entityRef.slice(
          0,
          300,
        )} (${ENTITY_REF_HEADER}) was not found in the catalog, or you may not see it.`,
      );
    }
    return entityRef;
  }

  async function readSecret(name: string, entityRef?: string): Promise<string> {
    let value: string | undefined;
    try {
      value = await secrets.getSecret(name, entityRef ? { entityRef } : {});
    } catch (error) {
      if (isError(error) && error.name === 'InputError' && !entityRef) {
        // An entity-scoped secret read without an entity.
        throw new InputError(
          `Proxy endpoint ${endpoint.route} fills secret ${name} per catalog entity: send the entity in the ${ENTITY_REF_HEADER} header, e.g. component:default/payments.`,
        );
      }
      const problem = describeReadFailure(name, error);
      logger.warn(`Proxy endpoint ${endpoint.route}: ${problem}`);
      throw new ServiceUnavailableError(
        `Proxy endpoint ${endpoint.route} is unavailable: ${problem}`,
      );
    }
    if (value === undefined) {
      throw new ServiceUnavailableError(
        `Proxy endpoint ${endpoint.route} is unavailable: secret ${name} has no value. An admin sets it on the "Manage secrets" page (/secrets).`,
      );
    }
    if (!HEADER_VALUE.test(value)) {
      throw new ServiceUnavailableError(
        `Proxy endpoint ${endpoint.route} is unavailable: the value of secret ${name} holds characters that an HTTP header cannot carry (such as a line break). An admin sets a new value on the "Manage secrets" page (/secrets).`,
      );
    }
    return value;
  }
}

/**
 * Why a read failed, for the operator: the error's kind and status only
 * (the secrets backend never puts a value in an error, and this keeps it so
 * whatever the cause).
 */
function describeReadFailure(name: string, error: unknown): string {
  const e = error as {
    name?: string;
    statusCode?: number;
    response?: { status?: number };
    body?: { error?: { name?: string } };
  };
  const status = e?.statusCode ?? e?.response?.status;
  const kind = e?.body?.error?.name ?? e?.name ?? 'Error';
  if (status === 403 || kind === 'NotAllowedError') {
    return `the secrets backend refused to let the proxy plugin read secret ${name} (NotAllowedError). An operator adds 'proxy' to the secret's readers: secrets.readers.${name} in app-config, or the readers of its definition.`;
  }
  return `secret ${name} could not be read from the secrets backend (${kind}${
    status ? ` ${status}` : ''
  }).`;
}
