import { toError } from '@backstage/errors';
import {
  parseSecretTemplate,
  SecretTemplatePart,
} from '@backstage-secrets/plugin-secrets-common';
import type { JsonObject, JsonValue } from '@backstage/types';

/** The config key this module reads. */
export const ENDPOINTS_CONFIG_KEY = 'secrets.proxy.endpoints';

export type CredentialsPolicy =
  | 'require'
  | 'forward'
  | 'dangerously-allow-unauthenticated';

const CREDENTIALS_POLICIES: CredentialsPolicy[] = [
  'require',
  'forward',
  'dangerously-allow-unauthenticated',
];

/** A header whose value is built from a template at request time. */
export interface HeaderTemplate {
  /** As configured, e.g. `Authorization`. */
  name: string;
  parts: SecretTemplatePart[];
}

/** One endpoint of `secrets.proxy.endpoints`, checked at start-up. */
export interface SecretsProxyEndpoint {
  /** The route below `/api/proxy`, e.g. `/pagerduty`. */
  route: string;
  target: string;
  credentials: CredentialsPolicy;
  headers: HeaderTemplate[];
  /** Every secret the headers refer to, each once. */
  secretNames: string[];
  /**
   * The methods forwarded, upper case. Endpoints whose headers hold a secret
   * default to GET and HEAD; without a secret, every method but the
   * never-forwarded ones.
   */
  allowedMethods?: string[];
  allowedHeaders?: string[];
  reviveRequestBody: boolean;
  /**
   * The remaining options, from {@link PASSED_OPTIONS} only, passed to
   * http-proxy-middleware as the stock proxy does.
   */
  options: JsonObject;
}

/**
 * Methods never forwarded to an endpoint of this module: a TRACE (or
 * TRACK) answer reflects the request, filled headers included, and CONNECT
 * opens a tunnel the headers do not belong in.
 */
export const NEVER_FORWARDED_METHODS = ['TRACE', 'TRACK', 'CONNECT'];

/** What an endpoint whose headers hold a secret forwards unless configured. */
export const DEFAULT_SECRET_METHODS = ['GET', 'HEAD'];

/**
 * The stock proxy options this module passes on to http-proxy-middleware,
 * with the type each must have. Everything else is refused at start-up:
 * an option that is not listed could send the filled headers somewhere
 * else than `target`.
 */
const PASSED_OPTIONS: Record<string, 'boolean' | 'number' | 'object'> = {
  changeOrigin: 'boolean',
  pathRewrite: 'object',
  secure: 'boolean',
  xfwd: 'boolean',
  timeout: 'number',
  proxyTimeout: 'number',
};

/** Why options that http-proxy-middleware knows are refused here. */
const REFUSED_OPTIONS: Record<string, string> = {
  followRedirects:
    'a redirect to another host would carry the filled headers there',
  router:
    'it picks the target per request, so the filled headers could go to another host than target',
  forward:
    'it sends a copy of every request, filled headers included, to a second URL',
  toProxy: 'it hands the request, filled headers included, to another proxy',
  ws: 'WebSocket upgrades are not forwarded by this module',
};

// RFC 9110 token: the characters a header name may hold.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** The characters an HTTP header value may hold (as Node.js checks them). */
export const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringArray(
  value: JsonValue | undefined,
  where: string,
): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every(v => typeof v === 'string')) {
    throw new Error(`${where} must be a list of strings`);
  }
  return value as string[];
}

/**
 * Reads and checks `secrets.proxy.endpoints` (a plain object: routes such as
 * `/pagerduty` are not valid config key parts). Every error names the
 * endpoint; header templates are quoted (they hold placeholders, not values).
 */
export function readEndpoints(
  raw: JsonValue | undefined,
): SecretsProxyEndpoint[] {
  if (raw === undefined) return [];
  if (!isObject(raw)) {
    throw new Error(
      `${ENDPOINTS_CONFIG_KEY} must be an object of routes, e.g. { "/pagerduty": { target, headers } }`,
    );
  }
  return Object.entries(raw).map(([route, value]) => {
    const where = `${ENDPOINTS_CONFIG_KEY}["${route}"]`;
    if (!route.startsWith('/')) {
      throw new Error(`${where}: the route must start with '/'`);
    }
    if (!isObject(value)) {
      throw new Error(
        `${where} must be an object with a target and headers (a plain target string has no header to fill: use proxy.endpoints for it)`,
      );
    }
    const {
      target,
      headers,
      credentials,
      allowedMethods,
      allowedHeaders,
      reviveRequestBody,
      ...options
    } = value;
    checkPassedOptions(options, where);
    if (typeof target !== 'string') {
      throw new Error(`${where}.target must be a URL string`);
    }
    try {
      // eslint-disable-next-line no-new
      new URL(target);
    } catch {
      throw new Error(`${where}.target is not a valid URL: ${target}`);
    }
    const policy = credentials ?? 'require';
    if (!CREDENTIALS_POLICIES.includes(policy as CredentialsPolicy)) {
      throw new Error(
        `${where}.credentials: unknown credentials policy '${String(
          policy,
        )}'; expected one of ${CREDENTIALS_POLICIES.map(c => `'${c}'`).join(
          ', ',
        )}`,
      );
    }
    if (headers !== undefined && !isObject(headers)) {
      throw new Error(`${where}.headers must be an object of header names`);
    }
    const templates: HeaderTemplate[] = [];
    const seen = new Set<string>();
    for (const [name, template] of Object.entries(headers ?? {})) {
      if (!HEADER_NAME.test(name)) {
        throw new Error(`${where}.headers: '${name}' is not a header name`);
      }
      if (seen.has(name.toLowerCase())) {
        throw new Error(
          `${where}.headers: ${name} is given twice (header names ignore case)`,
        );
      }
      seen.add(name.toLowerCase());
      if (typeof template !== 'string') {
        throw new Error(`${where}.headers.${name} must be a string`);
      }
      let parts: SecretTemplatePart[];
      try {
        parts = parseSecretTemplate(template);
      } catch (error) {
        throw new Error(`${where}.headers.${name}: ${toError(error).message}`);
      }
      for (const part of parts) {
        if ('text' in part && !HEADER_VALUE.test(part.text)) {
          throw new Error(
            `${where}.headers.${name} holds characters that an HTTP header cannot carry`,
          );
        }
      }
      templates.push({ name, parts });
    }
    if (
      reviveRequestBody !== undefined &&
      typeof reviveRequestBody !== 'boolean'
    ) {
      throw new Error(`${where}.reviveRequestBody must be true or false`);
    }
    const secretNames = [
      ...new Set(
        templates.flatMap(t =>
          t.parts.flatMap(part => ('secret' in part ? [part.secret] : [])),
        ),
      ),
    ];
    if (secretNames.length > 0 && options.changeOrigin === false) {
      throw new Error(
        `${where}.changeOrigin: false is refused for an endpoint whose headers hold a secret: the caller's Host header would be forwarded, letting the caller choose which site behind the target receives the filled headers.`,
      );
    }
    return {
      route,
      target,
      credentials: policy as CredentialsPolicy,
      headers: templates,
      secretNames,
      allowedMethods: readMethods(
        stringArray(allowedMethods, `${where}.allowedMethods`),
        secretNames.length > 0,
        where,
      ),
      allowedHeaders: stringArray(allowedHeaders, `${where}.allowedHeaders`),
      reviveRequestBody: reviveRequestBody === true,
      options,
    };
  });
}

function checkPassedOptions(options: JsonObject, where: string) {
  for (const [name, value] of Object.entries(options)) {
    if (name in REFUSED_OPTIONS) {
      throw new Error(
        `${where}.${name} is not allowed: ${REFUSED_OPTIONS[name]}.`,
      );
    }
    const type = PASSED_OPTIONS[name];
    if (!type) {
      throw new Error(
        `${where}.${name} is not an option of ${ENDPOINTS_CONFIG_KEY}; the options are target, headers, credentials, allowedMethods, allowedHeaders, reviveRequestBody, ${Object.keys(
          PASSED_OPTIONS,
        ).join(', ')}.`,
      );
    }
    const actual = isObject(value) ? 'object' : typeof value;
    if (actual !== type) {
      throw new Error(`${where}.${name} must be a ${type}`);
    }
  }
}

/** The methods an endpoint forwards, upper case, or undefined for all. */
function readMethods(
  configured: string[] | undefined,
  holdsSecret: boolean,
  where: string,
): string[] | undefined {
  const methods = configured?.map(m => m.toUpperCase());
  const never = methods?.filter(m => NEVER_FORWARDED_METHODS.includes(m));
  if (never && never.length > 0) {
    throw new Error(
      `${where}.allowedMethods: ${never.join(
        ', ',
      )} is never forwarded (a TRACE answer reflects the request's headers, filled ones included; CONNECT opens a tunnel).`,
    );
  }
  if (methods) return methods;
  return holdsSecret ? DEFAULT_SECRET_METHODS : undefined;
}
