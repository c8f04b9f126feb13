import {
  SECRET_NAME_MAX_LENGTH,
  SECRET_NAME_PATTERN,
  SECRET_VALUE_MAX_BYTES,
} from '@backstage-secrets/plugin-secrets-common';
import type { SecretDefinition } from '@backstage-secrets/plugin-secrets-node';
import type { CallerName, Outcome, StateSnapshot } from './hostileHttp';
import { ADMIN, DEFAULT_DEFINITIONS } from './testBackend';

/*
 * The oracles of the hostile input suites (src/hostileInput.*.test.ts): the
 * registered secrets, and what the design (and the documented express
 * behaviour) answers to a request. The name rule and the size limit are the
 * real ones from plugin-secrets-common, never copies.
 */

/** The longest valid name, registered. */
export const LONG_NAME = `L${'X'.repeat(SECRET_NAME_MAX_LENGTH - 1)}`;
export const TEXT_NAMES = ['OPENAI_API_KEY', 'PAGERDUTY_TOKEN', LONG_NAME];
export const JSON_NAME = 'SERVICE_ACCOUNT_JSON';
export const REGISTERED = [...TEXT_NAMES, JSON_NAME];
export const DEFINITIONS: SecretDefinition[] = [
  ...DEFAULT_DEFINITIONS,
  { name: LONG_NAME },
];

/** Callers that may receive values (on the value route). */
export const ENTITLED: CallerName[] = ['plugin'];

/** How express routes `/api/secrets/secrets/<rest>` (case-insensitive, optional trailing slash). */
function routeOf(
  method: string,
  rest: string,
): { route: 'item' | 'value' | 'none'; rawName?: string } {
  if (method === 'PUT' || method === 'DELETE') {
    const match = rest.match(/^([^/]+?)\/?$/);
    return match ? { route: 'item', rawName: match[1] } : { route: 'none' };
  }
  const match = rest.match(/^([^/]+?)\/value\/?$/i);
  return match ? { route: 'value', rawName: match[1] } : { route: 'none' };
}

export function decodeParam(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/** A string is storable when it is well-formed UTF-16 (no unpaired surrogate). */
function isWellFormed(value: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(
    value,
  );
}

function isJson(value: string): boolean {
  try {
    JSON.parse(value);
    return true;
  } catch {
    return false;
  }
}

/** `-0` is 0: the right version when nothing is stored, stale otherwise. */
const zeroVerdict = (version: number) => (version === 0 ? 'ok' : 'mismatch');

export interface Expectation {
  status: number;
  outcome: Outcome;
  /** for a successful value read */
  value?: string;
}

/**
 * The designed answer to a request on the item or value route with a
 * well-formed `{"value": ...}` body, by caller and name.
 */
export function expectForName(
  caller: CallerName,
  method: 'PUT' | 'DELETE' | 'GET',
  rest: string,
  value: string,
  state: StateSnapshot,
): Expectation {
  const none: Outcome = { kind: 'none' };
  if (caller === 'anonymous') return { status: 401, outcome: none };
  const { route, rawName } = routeOf(method, rest);
  if (route === 'none') return { status: 404, outcome: none };
  // Authorization comes first, from the raw path: a caller who may not use
  // the route is refused whatever the name; only then does express decode
  // the parameter (a malformed escape is a 400 for entitled callers).
  const manager = caller === 'admin';
  const reader = ENTITLED.includes(caller);
  if (route === 'item' && !manager) return { status: 403, outcome: none };
  if (route === 'value' && !reader) return { status: 403, outcome: none };
  const name = decodeParam(rawName!);
  if (name === undefined) return { status: 400, outcome: none };
  if (!SECRET_NAME_PATTERN.test(name)) return { status: 400, outcome: none };
  const registered = REGISTERED.includes(name);
  if (!registered) return { status: 404, outcome: none };
  if (method === 'PUT') {
    return name === JSON_NAME && !isJson(value)
      ? { status: 400, outcome: none }
      : { status: 200, outcome: { kind: 'set', name, value, actor: ADMIN } };
  }
  if (method === 'DELETE') {
    return { status: 204, outcome: { kind: 'clear', name } };
  }
  const stored = state.values[name];
  return stored === null
    ? { status: 404, outcome: none }
    : { status: 200, outcome: none, value: stored };
}

// ---------------------------------------------------------------------------
// The body plans of the bodies property, and the answer to each.
// ---------------------------------------------------------------------------

/** How a plan sends `expectedVersion`. */
export type EvPlan =
  | { k: 'absent' }
  | { k: 'current'; form: 'int' | 'float' | 'exponent' }
  | { k: 'offset'; by: number }
  | { k: 'raw'; text: string };

/** Raw `expectedVersion` texts and what the design makes of them. */
export const RAW_VERSIONS: Record<string, 'invalid' | 'mismatch' | 'zero'> = {
  '"1"': 'invalid',
  '"0"': 'invalid',
  '1.5': 'invalid',
  '-1': 'invalid',
  '-1e300': 'invalid',
  '1e400': 'invalid', // Infinity once parsed
  null: 'invalid',
  true: 'invalid',
  '{}': 'invalid',
  '[]': 'invalid',
  '[1]': 'invalid',
  '1e300': 'mismatch', // an integer, never the current version
  '9007199254740993': 'mismatch',
  '2147483648': 'mismatch',
  '-0': 'zero',
};

/** One PUT of the bodies property. */
export type BodyPlan =
  | {
      kind: 'set';
      target: string;
      pre: string;
      post: string;
      jsonValue: unknown;
      corruptJson: boolean;
      ev: EvPlan;
      contentType: string;
      duplicateValueKey: boolean;
    }
  | { kind: 'shape'; target: string; shape: string; contentType: string }
  | { kind: 'wire'; target: string; contentType?: string; form: string }
  | { kind: 'malformed'; target: string; cut: number; how: string };

/**
 * The request a plan stands for, and the designed answer, given the current
 * version of the plan's target.
 */
export function materialize(
  plan: BodyPlan,
  canary: string,
  version: number,
): { body: string; contentType?: string; expected: Expectation } {
  const none: Outcome = { kind: 'none' };
  const refuse = (status: number) => ({ status, outcome: none });
  if (plan.kind === 'set') {
    const value =
      plan.target === JSON_NAME
        ? `${plan.corruptJson ? '{' : ''}${JSON.stringify([
            plan.jsonValue,
            canary,
          ])}`
        : `${plan.pre}${canary}${plan.post}`;
    let evText: string | undefined;
    let evVerdict: 'ok' | 'invalid' | 'mismatch' = 'ok';
    if (plan.ev.k === 'current') {
      evText = {
        int: `${version}`,
        float: `${version}.0`,
        exponent: `${version}e0`,
      }[plan.ev.form];
    } else if (plan.ev.k === 'offset') {
      const ev = version + plan.ev.by;
      evText = `${ev}`;
      evVerdict = ev < 0 ? 'invalid' : 'mismatch';
    } else if (plan.ev.k === 'raw') {
      evText = plan.ev.text;
      const kind = RAW_VERSIONS[plan.ev.text];
      evVerdict = kind === 'zero' ? zeroVerdict(version) : kind;
    }
    const members = [`"value":${JSON.stringify(value)}`];
    if (plan.duplicateValueKey) {
      // The last of duplicate keys wins (JSON.parse semantics).
      members.unshift(`"value":${JSON.stringify(`decoy-${canary}`)}`);
    }
    if (evText !== undefined) members.push(`"expectedVersion":${evText}`);
    const body = `{${members.join(',')}}`;
    let expected: Expectation;
    if (evVerdict === 'invalid' || !isWellFormed(value)) {
      expected = refuse(400);
    } else if (Buffer.byteLength(value, 'utf8') > SECRET_VALUE_MAX_BYTES) {
      expected = refuse(413);
    } else if (plan.target === JSON_NAME && !isJson(value)) {
      expected = refuse(400);
    } else if (evVerdict === 'mismatch') {
      expected = refuse(409);
    } else {
      expected = {
        status: 200,
        outcome: { kind: 'set', name: plan.target, value, actor: ADMIN },
      };
    }
    return { body, contentType: plan.contentType, expected };
  }
  if (plan.kind === 'shape') {
    const v = JSON.stringify(canary);
    const bodies: Record<string, string> = {
      array: `[${v}]`,
      number: '42',
      null: 'null',
      string: v,
      true: 'true',
      proto: `{"value":${v},"__proto__":{"polluted":1}}`,
      'proto-only': `{"__proto__":{"value":${v},"polluted":1}}`,
      constructor: `{"value":${v},"constructor":{"prototype":{"polluted":1}}}`,
      'value-number': `{"value":42,"note":${v}}`,
      'value-array': `{"value":[${v}]}`,
      'value-object': `{"value":{"v":${v}}}`,
      'value-null': `{"value":null,"expectedVersion":0,"x":${v}}`,
      'extra-key': `{"value":${v},"name":"OPENAI_API_KEY"}`,
      'empty-object': '{}',
      'expectedVersion-only': `{"expectedVersion":${version}}`,
    };
    const body = bodies[plan.shape];
    return { body, contentType: plan.contentType, expected: refuse(400) };
  }
  if (plan.kind === 'wire') {
    const value = plan.target === JSON_NAME ? JSON.stringify([canary]) : canary;
    const bodies: Record<string, string> = {
      json: JSON.stringify({ value }),
      form: `value=${encodeURIComponent(value)}`,
      multipart: `--xyzzy\r\nContent-Disposition: form-data; name="value"\r\n\r\n${value}\r\n--xyzzy--\r\n`,
      text: value,
      empty: '',
    };
    const body = bodies[plan.form];
    return { body, contentType: plan.contentType, expected: refuse(400) };
  }
  const whole = JSON.stringify({ value: canary });
  const bodies: Record<string, string> = {
    truncated: whole.slice(0, Math.min(plan.cut, whole.length - 1)),
    'trailing-garbage': `${whole}x`,
    'single-quotes': `{'value':'${canary}'}`,
    comment: `{"value":"${canary}" /* c */}`,
    bom: `\ufeff${whole}`,
    unquoted: `{value:"${canary}"}`,
  };
  const body = bodies[plan.how];
  // A UTF-8 byte order mark is dropped by the decoder (RFC 8259 lets
  // parsers ignore it): the body is then well-formed.
  const accepted = plan.how === 'bom' && plan.target !== JSON_NAME;
  return {
    body,
    contentType: 'application/json',
    expected: accepted
      ? {
          status: 200,
          outcome: {
            kind: 'set',
            name: plan.target,
            value: canary,
            actor: ADMIN,
          },
        }
      : refuse(400),
  };
}
