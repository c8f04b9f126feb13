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
  allowedMethods?: string[];
  allowedHeaders?: string[];
  reviveRequestBody: boolean;
  /**
   * The remaining options (changeOrigin, pathRewrite, secure, xfwd, ...),
   * passed to http-proxy-middleware as the stock proxy does.
   */
  options: JsonObject;
}

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
    return {
      route,
      target,
      credentials: policy as CredentialsPolicy,
      headers: templates,
      secretNames,
      allowedMethods: stringArray(allowedMethods, `${where}.allowedMethods`),
      allowedHeaders: stringArray(allowedHeaders, `${where}.allowedHeaders`),
      reviveRequestBody: reviveRequestBody === true,
      options,
    };
  });
}
