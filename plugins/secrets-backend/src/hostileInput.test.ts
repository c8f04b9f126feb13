import http from 'node:http';
import zlib from 'node:zlib';
import fc from 'fast-check';
import type { Knex } from 'knex';
import type { SecretDefinition } from '@backstage-secrets/plugin-secrets-node';
import { LogCapture } from './__testUtils__/capturingLogger';
import { createTestDatabases } from './__testUtils__/databases';
import {
  ADMIN,
  DEFAULT_DEFINITIONS,
  startSecretsBackend,
} from './__testUtils__/testBackend';
import {
  CALLER_HEADERS,
  CallerName,
  Canaries,
  Outcome,
  percentEncodeUtf8,
  predictSnapshot,
  RawResponse,
  rawRequest,
  StateProbe,
  StateSnapshot,
  Transcript,
} from './__testUtils__/hostileHttp';

/*
 * Adversarial input against the REST API, on every test database: random
 * and hostile names, bodies, content types and encodings. The invariants:
 * never a 5xx, exactly the designed answer, never a stored change from a
 * refused request, an accepted value reads back exactly, and no answer to a
 * caller not entitled to values (nor any log line) ever contains a value.
 *
 * One backend per database; the properties share it and check every
 * request against the state observed after the previous one. fast-check is
 * seeded (SECRETS_FC_SEED overrides it, SECRETS_FC_RUNS the run count); a
 * failure prints the seed and the counterexample.
 */

jest.setTimeout(120_000);

const databases = createTestDatabases();

const SEED = Number(process.env.SECRETS_FC_SEED ?? 1_123_581_321);
const NUM_RUNS = Number(process.env.SECRETS_FC_RUNS ?? 200);
const fcParams = <T>(examples: T[] = []): fc.Parameters<[T]> => ({
  seed: SEED,
  numRuns: NUM_RUNS,
  examples: examples.map(example => [example] as [T]),
});

/** The longest valid name (128 characters), registered. */
const LONG_NAME = `L${'X'.repeat(127)}`;
const TEXT_NAMES = ['OPENAI_API_KEY', 'PAGERDUTY_TOKEN', LONG_NAME];
const JSON_NAME = 'SERVICE_ACCOUNT_JSON';
const REGISTERED = [...TEXT_NAMES, JSON_NAME];
const DEFINITIONS: SecretDefinition[] = [
  ...DEFAULT_DEFINITIONS,
  { name: LONG_NAME },
];
const NAME_PATTERN = /^[A-Z][A-Z0-9_]{0,127}$/;
const MAX_VALUE_BYTES = 64 * 1024;

/** Callers that may receive values (on the value route). */
const ENTITLED: CallerName[] = ['plugin'];

// ---------------------------------------------------------------------------
// Oracles: what the design (and the documented express behaviour) answers.
// ---------------------------------------------------------------------------

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

function decodeParam(raw: string): string | undefined {
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

interface Expectation {
  status: number;
  outcome: Outcome;
  /** for a successful value read */
  value?: string;
}

/**
 * The designed answer to a request on the item or value route with a
 * well-formed `{"value": ...}` body, by caller and name.
 */
function expectForName(
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
  if (!NAME_PATTERN.test(name)) return { status: 400, outcome: none };
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
// Arbitraries
// ---------------------------------------------------------------------------

const loneSurrogate = fc
  .integer({ min: 0xd800, max: 0xdfff })
  .map(code => String.fromCharCode(code));

const SPECIAL_CHARS = [
  '\u0000',
  '\u0001',
  '\u007f',
  '\n',
  '\r\n',
  '\t',
  '"',
  '\\',
  '/',
  '😀',
  '👨‍👩‍👧',
  '\u202e',
  '\ufeff',
  '\u00a0',
  'é',
  'Ω',
  '中',
  '</script>',
  '${7*7}',
  '%00',
  '%2e%2e',
  "'; DROP TABLE secrets; --",
];

/** Text with unicode, NUL, emoji, control characters and (rarely) unpaired surrogates. */
const hostileText = (maxLength: number, withSurrogates: boolean) =>
  fc.string({
    maxLength,
    unit: fc.oneof(
      {
        weight: 4,
        arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
      },
      {
        weight: 2,
        arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
      },
      { weight: 2, arbitrary: fc.constantFrom(...SPECIAL_CHARS) },
      { weight: withSurrogates ? 1 : 0, arbitrary: loneSurrogate },
    ),
  });

const TRAVERSAL_PIECES = [
  '..',
  '.',
  '/',
  '\\',
  '%2e',
  '%2E',
  '%2f',
  '%2F',
  '%5c',
  '%252e',
  '%252f',
  '%00',
  '%c0%ae',
  '%',
  '%zz',
  'etc',
  'passwd',
  'OPENAI_API_KEY',
  'value',
  '__proto__',
];

const INTERESTING_NAMES = [
  '',
  '.',
  '..',
  '../..',
  '..\\..',
  '../../../../etc/passwd',
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  'openai_api_key',
  'Openai_Api_Key',
  ' OPENAI_API_KEY',
  'OPENAI_API_KEY ',
  'OPENAI_API_KEY\n',
  'OPENAI_API_KEY\u0000',
  'OPENAI_API_KEY\u200b',
  '\uff2fPENAI_API_KEY', // fullwidth O
  'OPENAI_API_KEY/../PAGERDUTY_TOKEN',
  'NOT_REGISTERED',
  'A'.repeat(129),
  `${LONG_NAME}X`,
  'A'.repeat(2000),
  ...REGISTERED,
];

/** How a generated name is put into the path. */
type PathEncoding = 'encoded' | 'double-encoded' | 'raw';

/** One request of the names property. */
interface NameCase {
  name: string;
  encoding: PathEncoding;
  method: 'PUT' | 'DELETE' | 'GET';
  caller: CallerName;
  trailingSlash: boolean;
}

/** Raw, but with what Node refuses in a path (and ?, #) escaped. */
function rawSegment(name: string): string {
  let out = '';
  for (const char of name) {
    const code = char.codePointAt(0)!;
    out +=
      code <= 0x20 || code >= 0x7f || char === '?' || char === '#'
        ? percentEncodeUtf8(char)
        : char;
  }
  return out;
}

function segmentFor(name: string, encoding: PathEncoding): string {
  if (encoding === 'encoded') return percentEncodeUtf8(name);
  if (encoding === 'double-encoded') {
    return percentEncodeUtf8(percentEncodeUtf8(name));
  }
  return rawSegment(name);
}

const nameArb = fc.oneof(
  { weight: 3, arbitrary: hostileText(40, true) },
  { weight: 3, arbitrary: fc.constantFrom(...INTERESTING_NAMES) },
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Z][A-Z0-9_]{0,130}$/) },
  {
    weight: 2,
    arbitrary: fc
      .array(fc.constantFrom(...TRAVERSAL_PIECES), { maxLength: 6 })
      .map(pieces => pieces.join('')),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...REGISTERED), fc.integer({ min: 0, max: 13 }))
      .map(
        ([name, at]) =>
          `${name.slice(0, at)}%${name
            .charCodeAt(at % name.length)
            .toString(16)}${name.slice(at + 1)}`,
      ),
  },
);

// ---------------------------------------------------------------------------

describe.each(databases.eachSupportedId())(
  'hostile input on %p',
  databaseId => {
    let knex: Knex;
    let server: http.Server;
    let probe: StateProbe;
    /** The state after the last request... */
    let current: StateSnapshot;
    /** ...unless a test failed between its request and its state check. */
    let synced = false;
    const logs = new LogCapture();
    const transcript = new Transcript();
    const canaries = new Canaries('cnryh7-');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

    beforeAll(async () => {
      knex = await databases.init(databaseId);
      const started = await startSecretsBackend({
        knex,
        definitions: DEFINITIONS,
        logs,
      });
      server = started.server;
      probe = new StateProbe(server, knex, REGISTERED);
      current = await probe.snapshot();
    });

    afterAll(() => {
      probe?.close();
      agent.destroy();
    });

    // Each test starts from the state as it is (a failed test may have left
    // a change behind; the next one must not blame itself for it).
    beforeEach(async () => {
      if (!synced) current = await probe.snapshot();
      synced = false;
    });

    async function send(
      caller: CallerName,
      method: string,
      path: string,
      options: {
        body?: string | Buffer;
        contentType?: string;
        headers?: Record<string, string>;
        agent?: http.Agent | false;
      } = {},
    ): Promise<RawResponse> {
      const res = await rawRequest(server, {
        method,
        path: `/api/secrets${path}`,
        headers: {
          Authorization: CALLER_HEADERS[caller],
          'Content-Type': options.contentType,
          ...options.headers,
        },
        body: options.body,
        agent: options.agent ?? agent,
      });
      transcript.record(caller, method, path, res, ENTITLED.includes(caller));
      return res;
    }

    /** The state now must be the one predicted from the last one. */
    async function expectState(outcome: Outcome) {
      const predicted = predictSnapshot(current, outcome);
      const after = await probe.snapshot();
      current = after;
      synced = true;
      expect(after).toEqual(predicted);
    }

    /**
     * A property over the shared backend; resynchronises after a failure.
     * Returns how often each status was answered, so that a test can show it
     * exercised both sides (accepted and refused), not one of them vacuously.
     */
    async function property<T>(
      arb: fc.Arbitrary<T>,
      run: (input: T) => Promise<number>,
      examples: T[] = [],
    ): Promise<Record<number, number>> {
      const statuses: Record<number, number> = {};
      await fc.assert(
        fc.asyncProperty(arb, async input => {
          try {
            const status = await run(input);
            statuses[status] = (statuses[status] ?? 0) + 1;
          } catch (error) {
            current = await probe.snapshot();
            throw error;
          }
        }),
        fcParams(examples),
      );
      return statuses;
    }

    const seen = (statuses: Record<number, number>) =>
      Object.keys(statuses).map(Number).sort();

    /** Refused: a Backstage error body, no canary, nothing stored. */
    async function expectRefused(
      res: RawResponse,
      status: number,
      canary: string,
    ) {
      expect({ status: res.status, leaked: res.text.includes(canary) }).toEqual(
        {
          status,
          leaked: false,
        },
      );
      expect(res.json).toEqual({
        error: expect.objectContaining({
          name: expect.any(String),
          message: expect.any(String),
        }),
        request: expect.anything(),
        response: { statusCode: status },
      });
      await expectState({ kind: 'none' });
    }

    /** A PUT as the admin; contentType null sends no Content-Type at all. */
    const put = (
      name: string,
      body: string | Buffer | undefined,
      contentType: string | null = 'application/json',
    ) =>
      send('admin', 'PUT', `/secrets/${name}`, {
        body,
        contentType: contentType ?? undefined,
      });

    const versionOf = (name: string) =>
      Number(current.rows[name]?.version ?? 0);

    // -------------------------------------------------------------------------

    describe('properties', () => {
      it('arbitrary names in the path, by every caller: the designed answer, never a stray change', async () => {
        const arb = fc.record({
          name: nameArb,
          encoding: fc.constantFrom<PathEncoding>(
            'encoded',
            'double-encoded',
            'raw',
          ),
          method: fc.constantFrom<'PUT' | 'DELETE' | 'GET'>(
            'PUT',
            'DELETE',
            'GET',
          ),
          caller: fc.constantFrom<CallerName>(
            'admin',
            'admin',
            'plugin',
            'onBehalfOf',
            'nonAdmin',
            'external',
            'anonymous',
          ),
          trailingSlash: fc.boolean(),
        });
        const statuses = await property<NameCase>(
          arb,
          async ({ name, encoding, method, caller, trailingSlash }) => {
            const canary = canaries.next();
            const value =
              name === JSON_NAME ? JSON.stringify({ key: canary }) : canary;
            const segment = segmentFor(name, encoding);
            const rest = `${segment}${method === 'GET' ? '/value' : ''}${
              trailingSlash ? '/' : ''
            }`;
            const expected = expectForName(
              caller,
              method,
              rest,
              value,
              current,
            );
            // Every request carries a body with a canary, GET and DELETE too.
            const res = await send(caller, method, `/secrets/${rest}`, {
              body: JSON.stringify({ value }),
              contentType: 'application/json',
            });
            expect({
              status: res.status,
              value: res.json?.value,
              leaked: res.text.includes(canary),
            }).toEqual({
              status: expected.status,
              value: expected.value,
              leaked: false,
            });
            await expectState(expected.outcome);
            return res.status;
          },
          [
            {
              name: '%252e%252e',
              encoding: 'raw',
              method: 'PUT',
              caller: 'admin',
              trailingSlash: false,
            },
            {
              name: '..%2f..%2fOPENAI_API_KEY',
              encoding: 'raw',
              method: 'GET',
              caller: 'plugin',
              trailingSlash: false,
            },
            {
              name: '..',
              encoding: 'raw',
              method: 'DELETE',
              caller: 'admin',
              trailingSlash: false,
            },
            {
              name: '%zz',
              encoding: 'raw',
              method: 'PUT',
              caller: 'admin',
              trailingSlash: false,
            },
            {
              name: '\ud800',
              encoding: 'encoded',
              method: 'PUT',
              caller: 'admin',
              trailingSlash: true,
            },
            {
              name: LONG_NAME,
              encoding: 'encoded',
              method: 'PUT',
              caller: 'admin',
              trailingSlash: false,
            },
            {
              name: `${LONG_NAME}X`,
              encoding: 'encoded',
              method: 'PUT',
              caller: 'admin',
              trailingSlash: false,
            },
            {
              name: 'OPENAI_API_KEY',
              encoding: 'double-encoded',
              method: 'GET',
              caller: 'admin',
              trailingSlash: false,
            },
            {
              name: 'OPENAI_API_KEY',
              encoding: 'encoded',
              method: 'GET',
              caller: 'plugin',
              trailingSlash: false,
            },
            {
              name: 'OPENAI_API_KEY',
              encoding: 'encoded',
              method: 'DELETE',
              caller: 'admin',
              trailingSlash: true,
            },
          ],
        );
        expect(seen(statuses)).toEqual(
          expect.arrayContaining([200, 204, 400, 401, 403, 404]),
        );
      });

      type EvPlan =
        | { k: 'absent' }
        | { k: 'current'; form: 'int' | 'float' | 'exponent' }
        | { k: 'offset'; by: number }
        | { k: 'raw'; text: string };

      const RAW_VERSIONS: Record<string, 'invalid' | 'mismatch' | 'zero'> = {
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

      const evArb: fc.Arbitrary<EvPlan> = fc.oneof(
        { weight: 4, arbitrary: fc.constant<EvPlan>({ k: 'absent' }) },
        {
          weight: 3,
          arbitrary: fc
            .constantFrom('int' as const, 'float' as const, 'exponent' as const)
            .map(form => ({ k: 'current' as const, form })),
        },
        {
          weight: 1,
          arbitrary: fc
            .integer({ min: -3, max: 3 })
            .filter(by => by !== 0)
            .map(by => ({ k: 'offset' as const, by })),
        },
        {
          weight: 2,
          arbitrary: fc
            .constantFrom(...Object.keys(RAW_VERSIONS))
            .map(text => ({ k: 'raw' as const, text })),
        },
      );

      type BodyPlan =
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

      const JSON_TYPES = [
        'application/json',
        'application/json; charset=utf-8',
        'application/json;charset=UTF-8',
        'APPLICATION/JSON',
      ];
      const NOT_JSON_TYPES = [
        undefined,
        'text/plain',
        'text/plain; charset=utf-8',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=xyzzy',
        'application/xml',
        'text/json',
        'application/vnd.api+json',
        'application/json-patch+json',
        'application/octet-stream',
        'application/json; charset=latin1',
        'application/json; charset=iso-8859-1',
        'application/json; charset=us-ascii',
        'application/json; charset=utf-16',
      ];
      const SHAPES = [
        'array',
        'number',
        'null',
        'string',
        'true',
        'proto',
        'proto-only',
        'constructor',
        'value-number',
        'value-array',
        'value-object',
        'value-null',
        'extra-key',
        'empty-object',
        'expectedVersion-only',
      ];

      // Unpaired surrogates are refused (400): rare, so most sets are accepted.
      const valueText = fc.oneof(
        { weight: 12, arbitrary: hostileText(24, false) },
        { weight: 1, arbitrary: hostileText(24, true) },
      );

      const bodyPlanArb: fc.Arbitrary<BodyPlan> = fc.oneof(
        {
          weight: 6,
          arbitrary: fc.record({
            kind: fc.constant('set' as const),
            target: fc.constantFrom(...REGISTERED),
            pre: valueText,
            post: valueText,
            jsonValue: fc.jsonValue({ maxDepth: 3 }),
            corruptJson: fc.boolean(),
            ev: evArb,
            contentType: fc.constantFrom(...JSON_TYPES),
            duplicateValueKey: fc.boolean(),
          }),
        },
        {
          weight: 2,
          arbitrary: fc.record({
            kind: fc.constant('shape' as const),
            target: fc.constantFrom(...REGISTERED),
            shape: fc.constantFrom(...SHAPES),
            contentType: fc.constantFrom(...JSON_TYPES),
          }),
        },
        {
          weight: 2,
          arbitrary: fc.record({
            kind: fc.constant('wire' as const),
            target: fc.constantFrom(...REGISTERED),
            contentType: fc.constantFrom(...NOT_JSON_TYPES),
            form: fc.constantFrom('json', 'form', 'multipart', 'text', 'empty'),
          }),
        },
        {
          weight: 1,
          arbitrary: fc.record({
            kind: fc.constant('malformed' as const),
            target: fc.constantFrom(...REGISTERED),
            cut: fc.nat(40),
            how: fc.constantFrom(
              'truncated',
              'trailing-garbage',
              'single-quotes',
              'comment',
              'bom',
              'unquoted',
            ),
          }),
        },
      );

      /** The request a plan stands for, and the designed answer. */
      function materialize(
        plan: BodyPlan,
        canary: string,
      ): { body: string; contentType?: string; expected: Expectation } {
        const none: Outcome = { kind: 'none' };
        const refuse = (status: number) => ({ status, outcome: none });
        const version = versionOf(plan.target);
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
          } else if (Buffer.byteLength(value, 'utf8') > MAX_VALUE_BYTES) {
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
          const value =
            plan.target === JSON_NAME ? JSON.stringify([canary]) : canary;
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

      it('arbitrary bodies, content types and versions: the designed answer; accepted values read back exactly', async () => {
        const statuses = await property(
          bodyPlanArb,
          async plan => {
            const canary = canaries.next();
            const { body, contentType, expected } = materialize(plan, canary);
            const res = await put(plan.target, body, contentType ?? null);
            expect({
              status: res.status,
              leaked: res.text.includes(canary),
              // errors are Backstage's { error: { name, message } }
              shape:
                res.status >= 400 ? Object.keys(res.json?.error ?? {}) : [],
            }).toEqual({
              status: expected.status,
              leaked: false,
              shape: expected.status >= 400 ? ['name', 'message'] : [],
            });
            await expectState(expected.outcome);
            return res.status;
          },
          [
            {
              kind: 'set',
              target: 'OPENAI_API_KEY',
              pre: '\u0000😀',
              post: '\u202e中',
              jsonValue: null,
              corruptJson: false,
              ev: { k: 'absent' },
              contentType: 'application/json',
              duplicateValueKey: false,
            },
            {
              kind: 'set',
              target: 'PAGERDUTY_TOKEN',
              pre: '\ud83d',
              post: '',
              jsonValue: null,
              corruptJson: false,
              ev: { k: 'absent' },
              contentType: 'application/json',
              duplicateValueKey: false,
            },
            {
              kind: 'set',
              target: JSON_NAME,
              pre: '',
              post: '',
              jsonValue: { __proto__: { polluted: 1 } },
              corruptJson: false,
              ev: { k: 'raw', text: '1e300' },
              contentType: 'application/json',
              duplicateValueKey: false,
            },
            {
              kind: 'shape',
              target: 'OPENAI_API_KEY',
              shape: 'proto',
              contentType: 'application/json',
            },
            {
              kind: 'wire',
              target: 'OPENAI_API_KEY',
              contentType: 'application/json; charset=latin1',
              form: 'json',
            },
            {
              kind: 'malformed',
              target: 'OPENAI_API_KEY',
              cut: 12,
              how: 'truncated',
            },
          ],
        );
        expect(seen(statuses)).toEqual(expect.arrayContaining([200, 400, 409]));
        // Most well-formed sets are accepted: the oracle is not refusing everything.
        expect(statuses[200]).toBeGreaterThan(NUM_RUNS / 5);
      });

      it('refused callers are refused whatever the (well-formed) body or name, and nothing changes', async () => {
        const arb = fc.record({
          caller: fc.constantFrom<CallerName>(
            'anonymous',
            'nonAdmin',
            'plugin',
            'external',
            'onBehalfOf',
            'actorNotPlugin',
            'invalidToken',
            'wrongAudience',
          ),
          route: fc.constantFrom('list', 'put', 'delete'),
          name: fc.oneof(fc.constantFrom(...REGISTERED), nameArb),
          body: fc.oneof(
            fc.jsonValue({ maxDepth: 2 }),
            fc.constant({ value: '', expectedVersion: -1 }),
            fc.constant({ value: 'not json', __proto__x: 1 }),
          ),
        });
        const statuses = await property(
          arb,
          async ({ caller, route, name, body }) => {
            const canary = canaries.next();
            const text = JSON.stringify({ payload: body, value: canary });
            const path =
              route === 'list'
                ? '/secrets'
                : `/secrets/${percentEncodeUtf8(name)}`;
            const methods: Record<string, string> = {
              list: 'GET',
              put: 'PUT',
              delete: 'DELETE',
            };
            const method = methods[route];
            const res = await send(caller, method, path, {
              body: text,
              contentType: 'application/json',
            });
            const unauthenticated =
              caller === 'anonymous' ||
              caller === 'invalidToken' ||
              caller === 'wrongAudience';
            // An empty name on PUT/DELETE matches no route: 404 (nothing to refuse).
            const routed = route === 'list' || name !== '';
            let expectedStatus = 403;
            if (!routed) expectedStatus = 404;
            if (unauthenticated) expectedStatus = 401;
            expect({
              status: res.status,
              leaked: res.text.includes(canary),
            }).toEqual({
              status: expectedStatus,
              leaked: false,
            });
            await expectState({ kind: 'none' });
            return res.status;
          },
        );
        expect(seen(statuses)).toEqual(expect.arrayContaining([401, 403]));
      });
    });

    // -------------------------------------------------------------------------

    describe('names', () => {
      it.each<[string, number, string]>([
        ['the longest valid name (128 characters), registered', 200, LONG_NAME],
        [
          'a valid 128-character name that is not registered',
          404,
          `M${'X'.repeat(127)}`,
        ],
        ['a 129-character name', 400, `${LONG_NAME}X`],
        ['a 129-character name, lower case tail', 400, `${LONG_NAME}x`],
        ['a very long name (10k characters)', 400, 'A'.repeat(10_000)],
        ['".."', 400, '..'],
        ['"."', 400, '.'],
        ['%2e%2e (encoded ..)', 400, '%2e%2e'],
        ['%252e%252e (double-encoded ..)', 400, '%252e%252e'],
        ['%252e%252e%252fOPENAI_API_KEY', 400, '%252e%252e%252fOPENAI_API_KEY'],
        ['..%2f..%2fetc%2fpasswd', 400, '..%2f..%2fetc%2fpasswd'],
        [
          '..%5c..%5cOPENAI_API_KEY (backslashes)',
          400,
          '..%5c..%5cOPENAI_API_KEY',
        ],
        ['..\\OPENAI_API_KEY (raw backslash)', 400, '..\\OPENAI_API_KEY'],
        ['OPENAI_API_KEY%00 (NUL)', 400, 'OPENAI_API_KEY%00'],
        ['OPENAI_API_KEY%0a (newline)', 400, 'OPENAI_API_KEY%0a'],
        ['%c0%ae%c0%ae (overlong UTF-8 dots)', 400, '%c0%ae%c0%ae'],
        ['__proto__', 400, '__proto__'],
        ['constructor', 400, 'constructor'],
        [
          '%4fPENAI_API_KEY (an escaped letter is the same name)',
          200,
          '%4fPENAI_API_KEY',
        ],
        ['OPENAI_API_KEY/ (trailing slash)', 200, 'OPENAI_API_KEY/'],
        ['../OPENAI_API_KEY (a second segment)', 404, '../OPENAI_API_KEY'],
        [
          'OPENAI_API_KEY/value (PUT on the value route)',
          404,
          'OPENAI_API_KEY/value',
        ],
      ])('PUT %s as the admin → %i', async (_what, status, segment) => {
        const canary = canaries.next();
        const res = await put(segment, JSON.stringify({ value: canary }));
        expect({
          status: res.status,
          leaked: res.text.includes(canary),
        }).toEqual({
          status,
          leaked: false,
        });
        const decoded = decodeParam(segment.replace(/\/$/, ''))!;
        await expectState(
          status === 200
            ? { kind: 'set', name: decoded, value: canary, actor: ADMIN }
            : { kind: 'none' },
        );
      });

      it.each<[string, number, number, string]>([
        ['%252e%252e', 400, 403, '%252e%252e'],
        ['..', 400, 403, '..'],
        ['..%2fPAGERDUTY_TOKEN', 400, 403, '..%2fPAGERDUTY_TOKEN'],
        ['a 129-character name', 400, 403, `${LONG_NAME}X`],
        ['lower case', 400, 403, 'openai_api_key'],
        ['a valid unregistered name', 404, 403, 'NOT_REGISTERED'],
        ['../../secrets (traversal to the list)', 404, 404, '../../secrets'],
      ])(
        'GET the value of %s: plugin → %i, admin → %i',
        async (_what, pluginStatus, adminStatus, segment) => {
          const asPlugin = await send(
            'plugin',
            'GET',
            `/secrets/${segment}/value`,
          );
          const asAdmin = await send(
            'admin',
            'GET',
            `/secrets/${segment}/value`,
          );
          expect([asPlugin.status, asAdmin.status]).toEqual([
            pluginStatus,
            adminStatus,
          ]);
          expect(asPlugin.json?.value).toBeUndefined();
          await expectState({ kind: 'none' });
        },
      );
    });

    describe('bodies', () => {
      it.each<[string, string]>([
        ['a JSON array', '["v"]'],
        ['an array of objects', '[{"value":"v"}]'],
        ['a JSON number', '42'],
        ['JSON null', 'null'],
        ['a JSON string', '"v"'],
        ['JSON true', 'true'],
        ['an empty object', '{}'],
        ['an object without value', '{"expectedVersion":0}'],
      ])('refuses %s with 400', async (_what, template) => {
        const canary = canaries.next();
        const res = await put(
          'PAGERDUTY_TOKEN',
          template.replace(/\bv\b/, canary),
        );
        expect(res.json?.error?.name).toBe('InputError');
        await expectRefused(res, 400, canary);
      });

      it.each<[string, string | undefined, string | null]>([
        ['no body, no content type', undefined, null],
        ['an empty body, no content type', '', null],
        ['an empty body as application/json', '', 'application/json'],
        ['whitespace as application/json', '  \n ', 'application/json'],
        ['an empty value', '{"value":""}', 'application/json'],
      ])('refuses %s with 400', async (_what, body, contentType) => {
        const res = await put('PAGERDUTY_TOKEN', body, contentType);
        expect(res.json?.error?.name).toBe('InputError');
        await expectRefused(res, 400, 'no-canary-in-an-empty-body');
      });

      it.each<[string, string | null, (value: string) => string, RegExp]>([
        ['text/plain', 'text/plain', v => v, /value is required/],
        [
          'JSON as text/plain',
          'text/plain',
          v => JSON.stringify({ value: v }),
          /value is required/,
        ],
        [
          'a form',
          'application/x-www-form-urlencoded',
          v => `value=${v}`,
          /value is required/,
        ],
        [
          'multipart',
          'multipart/form-data; boundary=b',
          v =>
            `--b\r\nContent-Disposition: form-data; name="value"\r\n\r\n${v}\r\n--b--\r\n`,
          /value is required/,
        ],
        [
          'JSON in latin1',
          'application/json; charset=latin1',
          v => JSON.stringify({ value: v }),
          /UTF-8/,
        ],
        [
          'JSON in iso-8859-1',
          'application/json; charset=ISO-8859-1',
          v => JSON.stringify({ value: v }),
          /UTF-8/,
        ],
        [
          'JSON without a content type',
          null,
          v => JSON.stringify({ value: v }),
          /value is required/,
        ],
        [
          'a malformed content type',
          'application/json;;;=',
          v => JSON.stringify({ value: v }),
          /./,
        ],
      ])(
        'refuses %s with 400, naming the problem',
        async (_what, contentType, body, message) => {
          const canary = canaries.next();
          const res = await put('PAGERDUTY_TOKEN', body(canary), contentType);
          await expectRefused(res, 400, canary);
          expect(res.json.error.message).toMatch(message);
        },
      );

      it('refuses UTF-16 bytes declared as UTF-8, without echoing them', async () => {
        const canary = canaries.next();
        const body = Buffer.from(JSON.stringify({ value: canary }), 'utf16le');
        const res = await put(
          'PAGERDUTY_TOKEN',
          body,
          'application/json; charset=utf-8',
        );
        expect(res.json?.error?.message).toMatch(/not valid JSON/);
        await expectRefused(res, 400, canary);
      });

      it.each<[string, string, RegExp]>([
        [
          '__proto__ next to value',
          '{"value":"v","__proto__":{"polluted":1}}',
          /Unrecognized key/,
        ],
        ['__proto__ alone', '{"__proto__":{"value":"v","polluted":1}}', /./],
        [
          'constructor.prototype',
          '{"value":"v","constructor":{"prototype":{"polluted":1}}}',
          /Unrecognized key/,
        ],
        [
          'constructor.prototype alone',
          '{"constructor":{"prototype":{"value":"v","polluted":1}}}',
          /./,
        ],
        [
          'a nested __proto__ in value',
          '{"value":{"__proto__":{"polluted":1}}}',
          /value must be a string/,
        ],
        [
          'prototype',
          '{"value":"v","prototype":{"polluted":1}}',
          /Unrecognized key/,
        ],
      ])(
        'refuses %s with 400 and pollutes nothing',
        async (_what, template, message) => {
          const canary = canaries.next();
          const res = await put(
            'OPENAI_API_KEY',
            template.replace('"v"', JSON.stringify(canary)),
          );
          await expectRefused(res, 400, canary);
          expect(res.json.error.message).toMatch(message);
          expect(({} as any).polluted).toBeUndefined();
          expect(
            Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'),
          ).toBe(false);
        },
      );

      it('stores a JSON value whose keys are __proto__ and constructor as it is, and pollutes nothing', async () => {
        const value = `{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":2}},"c":"${canaries.next()}"}`;
        const res = await put(JSON_NAME, JSON.stringify({ value }));
        expect(res.status).toBe(200);
        await expectState({
          kind: 'set',
          name: JSON_NAME,
          value,
          actor: ADMIN,
        });
        expect(({} as any).polluted).toBeUndefined();
      });

      it('ignores prototype pollution in query strings', async () => {
        for (const query of [
          '__proto__[polluted]=1',
          '__proto__.polluted=1',
          'constructor[prototype][polluted]=1',
          '__proto__=polluted',
        ]) {
          const list = await send('admin', 'GET', `/secrets?${query}`);
          const read = await send(
            'plugin',
            'GET',
            `/secrets/OPENAI_API_KEY/value?${query}`,
          );
          const canary = canaries.next();
          const set = await put(
            `PAGERDUTY_TOKEN?${query}`,
            JSON.stringify({ value: canary }),
          );
          expect([
            list.status,
            read.status === 200 || read.status === 404,
            set.status,
          ]).toEqual([200, true, 200]);
          await expectState({
            kind: 'set',
            name: 'PAGERDUTY_TOKEN',
            value: canary,
            actor: ADMIN,
          });
        }
        expect(({} as any).polluted).toBeUndefined();
        expect(
          Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'),
        ).toBe(false);
      });
    });

    describe('expectedVersion', () => {
      it.each<[string, number, (version: number) => string]>([
        ['a string', 400, v => `"${v}"`],
        ['a float', 400, v => `${v}.5`],
        ['negative', 400, () => '-1'],
        ['huge (1e300, an integer)', 409, () => '1e300'],
        ['beyond the safe integers', 409, () => '9007199254740993'],
        ['beyond 32 bits', 409, () => '4294967297'],
        ['overflowing to Infinity', 400, () => '1e400'],
        ['null', 400, () => 'null'],
        ['an object', 400, v => `{"v":${v}}`],
        ['the current version as 1.0', 200, v => `${v}.0`],
        ['the current version as an exponent', 200, v => `${v}e0`],
        ['one behind', 409, v => `${Math.max(0, v - 1)}`],
      ])('%s → %i', async (_what, status, ev) => {
        // A stored value first, so that the current version is not 0.
        const first = await put(
          'PAGERDUTY_TOKEN',
          JSON.stringify({ value: 'base-value' }),
        );
        expect(first.status).toBe(200);
        await expectState({
          kind: 'set',
          name: 'PAGERDUTY_TOKEN',
          value: 'base-value',
          actor: ADMIN,
        });
        const canary = canaries.next();
        const res = await put(
          'PAGERDUTY_TOKEN',
          `{"value":${JSON.stringify(canary)},"expectedVersion":${ev(
            versionOf('PAGERDUTY_TOKEN'),
          )}}`,
        );
        expect({
          status: res.status,
          leaked: res.text.includes(canary),
        }).toEqual({ status, leaked: false });
        await expectState(
          status === 200
            ? {
                kind: 'set',
                name: 'PAGERDUTY_TOKEN',
                value: canary,
                actor: ADMIN,
              }
            : { kind: 'none' },
        );
      });
    });

    describe('values', () => {
      it.each<[string, (canary: string) => string]>([
        ['NUL characters', c => `\u0000${c}\u0000`],
        [
          'only control characters around the canary',
          c => `\u0001\u0002\u001f${c}\u007f`,
        ],
        ['emoji and ZWJ sequences', c => `😀👨‍👩‍👧${c}🏳️‍🌈`],
        ['right-to-left override', c => `\u202e${c}\u202c`],
        ['a byte order mark', c => `\ufeff${c}`],
        ['CJK and combining marks', c => `中文${c}e\u0301`],
        ['JSON-looking text in a text secret', c => `{"value":"${c}"}`],
        ['quotes and backslashes', c => `"\\'${c}\\"`],
        ['surrogate pairs', c => `\ud83d\ude00${c}\udbff\udfff`],
        ['U+FFFF and U+FFFE', c => `\uffff${c}\ufffe`],
      ])('stores %s and reads them back exactly', async (_what, make) => {
        const value = make(canaries.next());
        const res = await put('OPENAI_API_KEY', JSON.stringify({ value }));
        expect(res.status).toBe(200);
        await expectState({
          kind: 'set',
          name: 'OPENAI_API_KEY',
          value,
          actor: ADMIN,
        });
      });

      it.each<[string, string]>([
        ['a lone high surrogate', '\ud800'],
        ['a lone low surrogate', '\udfff'],
        ['a reversed pair', '\ude00\ud83d'],
      ])(
        'refuses %s, which cannot be stored as UTF-8 (it would read back as U+FFFD)',
        async (_what, bad) => {
          const canary = canaries.next();
          const res = await put(
            'OPENAI_API_KEY',
            JSON.stringify({ value: `${canary}${bad}` }),
          );
          await expectRefused(res, 400, canary);
          expect(res.json.error.message).toMatch(/value/);
        },
      );

      it.each<[string, number, string, number]>([
        [
          'exactly 64 KiB of escaped control characters',
          200,
          '\u0001',
          MAX_VALUE_BYTES,
        ],
        ['exactly 64 KiB of 4-byte emoji', 200, '😀', MAX_VALUE_BYTES],
        ['exactly 64 KiB of 3-byte CJK', 200, '中', MAX_VALUE_BYTES],
        ['64 KiB + 1 byte', 413, 'a', MAX_VALUE_BYTES + 1],
        ['64 KiB + 1 byte, mostly emoji', 413, '😀', MAX_VALUE_BYTES + 1],
        [
          '64 KiB + 1 byte of escaped control characters',
          413,
          '\u0001',
          MAX_VALUE_BYTES + 1,
        ],
      ])('%s → %i', async (_what, status, unit, bytes) => {
        const canary = canaries.next();
        // The canary, then the unit, then ASCII up to exactly `bytes` bytes.
        const room = bytes - Buffer.byteLength(canary);
        const units = Math.floor(room / Buffer.byteLength(unit));
        const value = `${canary}${unit.repeat(units)}${'a'.repeat(
          room - units * Buffer.byteLength(unit),
        )}`;
        expect(Buffer.byteLength(value)).toBe(bytes);
        const res = await put('PAGERDUTY_TOKEN', JSON.stringify({ value }));
        expect({
          status: res.status,
          leaked: res.text.includes(canary),
        }).toEqual({ status, leaked: false });
        await expectState(
          status === 200
            ? { kind: 'set', name: 'PAGERDUTY_TOKEN', value, actor: ADMIN }
            : { kind: 'none' },
        );
      });
    });

    describe('huge and encoded bodies', () => {
      const noKeepAlive = false as const;

      it('answers a 10 MB body with 413, keeps serving, changes nothing', async () => {
        const canary = canaries.next();
        const body = JSON.stringify({
          value: `${canary}${'a'.repeat(10 * 1024 * 1024)}`,
        });
        const res = await send('admin', 'PUT', '/secrets/PAGERDUTY_TOKEN', {
          body,
          contentType: 'application/json',
          agent: noKeepAlive,
        });
        await expectRefused(res, 413, canary);
        expect(res.json.error.message).toMatch(/too large/);
      });

      it('answers a 10 MB chunked body (no Content-Length) with 413', async () => {
        const canary = canaries.next();
        const body = JSON.stringify({
          value: `${canary}${'a'.repeat(10 * 1024 * 1024)}`,
        });
        const res = await send('admin', 'PUT', '/secrets/PAGERDUTY_TOKEN', {
          body,
          contentType: 'application/json',
          headers: { 'Transfer-Encoding': 'chunked' },
          agent: noKeepAlive,
        });
        expect(res.json?.error?.message).toMatch(/too large/);
        await expectRefused(res, 413, canary);
      });

      it('answers a gzip bomb with 413 without inflating it all', async () => {
        const canary = canaries.next();
        const bomb = zlib.gzipSync(
          Buffer.from(
            JSON.stringify({
              value: `${canary}${'a'.repeat(20 * 1024 * 1024)}`,
            }),
          ),
        );
        expect(bomb.length).toBeLessThan(200 * 1024);
        const res = await send('admin', 'PUT', '/secrets/PAGERDUTY_TOKEN', {
          body: bomb,
          contentType: 'application/json',
          headers: { 'Content-Encoding': 'gzip' },
          agent: noKeepAlive,
        });
        await expectRefused(res, 413, canary);
      });

      it.each<[string, string, Buffer]>([
        ['garbage declared as gzip', 'gzip', Buffer.from('not gzip at all')],
        ['garbage declared as deflate', 'deflate', Buffer.from('not deflate')],
        ['an unknown encoding', 'x-hostile', Buffer.from('{"value":"x"}')],
      ])('refuses %s with 4xx', async (_what, encoding, body) => {
        const res = await send('admin', 'PUT', '/secrets/PAGERDUTY_TOKEN', {
          body,
          contentType: 'application/json',
          headers: { 'Content-Encoding': encoding },
          agent: noKeepAlive,
        });
        expect([400, 415]).toContain(res.status);
        await expectState({ kind: 'none' });
      });

      it('accepts a gzip-encoded well-formed body (decoded transparently)', async () => {
        const value = canaries.next();
        const res = await send('admin', 'PUT', '/secrets/PAGERDUTY_TOKEN', {
          body: zlib.gzipSync(Buffer.from(JSON.stringify({ value }))),
          contentType: 'application/json',
          headers: { 'Content-Encoding': 'gzip' },
        });
        expect(res.status).toBe(200);
        await expectState({
          kind: 'set',
          name: 'PAGERDUTY_TOKEN',
          value,
          actor: ADMIN,
        });
      });
    });

    describe('authorization before input', () => {
      /*
       * The design answers 403 to a signed-in caller who may not use a route,
       * whatever they send. Today the router parses the JSON body for every
       * route before any authorization (router.use(express.json()) at the top
       * of createRouter), and express decodes `:name` when a route matches:
       * a non-admin, a backend plugin on a manage route, or a user on the value
       * route gets 400/413 instead of 403 for a malformed body or name, and
       * the refused attempt is never audited (the handler, which records the
       * audit event, never runs). Nothing is stored and nothing leaks (the
       * first test holds); the answer and the audit trail are wrong (the
       * it.failing tests show it until router.ts parses bodies after
       * requireManager, see the report).
       */
      const cases: Array<
        [
          string,
          CallerName,
          string,
          string,
          string | Buffer,
          string | undefined,
        ]
      > = [
        [
          'malformed JSON from a non-admin',
          'nonAdmin',
          'PUT',
          '/secrets/PAGERDUTY_TOKEN',
          '{"value": cnry',
          'application/json',
        ],
        [
          'latin1 JSON from a non-admin',
          'nonAdmin',
          'PUT',
          '/secrets/PAGERDUTY_TOKEN',
          '{"value":"cnry"}',
          'application/json; charset=latin1',
        ],
        [
          'a 1 MB body from a non-admin',
          'nonAdmin',
          'PUT',
          '/secrets/PAGERDUTY_TOKEN',
          `{"value":"cnry${'a'.repeat(1024 * 1024)}"}`,
          'application/json',
        ],
        [
          'malformed JSON from a backend plugin on a manage route',
          'plugin',
          'DELETE',
          '/secrets/PAGERDUTY_TOKEN',
          '{"value": cnry',
          'application/json',
        ],
        [
          'malformed JSON from the admin on the value route',
          'admin',
          'GET',
          '/secrets/OPENAI_API_KEY/value',
          '{"value": cnry',
          'application/json',
        ],
        [
          'a malformed escape in the name from a non-admin',
          'nonAdmin',
          'PUT',
          '/secrets/%E0%A4%A',
          '{"value":"cnry"}',
          'application/json',
        ],
        [
          'a malformed escape in the name from the admin on the value route',
          'admin',
          'GET',
          '/secrets/%zz/value',
          '',
          undefined,
        ],
      ];

      it.each(cases)(
        'refuses %s: no 5xx, no change, no echo',
        async (_what, caller, method, path, body, contentType) => {
          const canary = canaries.next();
          const res = await send(caller, method, path, {
            body:
              typeof body === 'string' ? body.replace('cnry', canary) : body,
            contentType,
          });
          expect(res.status).toBeGreaterThanOrEqual(400);
          expect(res.status).toBeLessThan(500);
          expect(res.text).not.toContain(canary);
          await expectState({ kind: 'none' });
        },
      );

      it.each(cases)(
        'refuses %s with 403, as designed: authorization comes before input',
        async (_what, caller, method, path, body, contentType) => {
          const res = await send(caller, method, path, {
            body:
              typeof body === 'string'
                ? body.replace('cnry', canaries.next())
                : body,
            contentType,
          });
          expect(res.status).toBe(403);
        },
      );
    });

    it('canary sweep: no log line, no answer to a caller not entitled to values, and no stored row holds a canary', async () => {
      // The sweep saw real traffic and real values.
      expect(canaries.issued).toBeGreaterThan(NUM_RUNS * 2);
      expect(transcript.entries.length).toBeGreaterThan(NUM_RUNS * 2);
      expect(
        transcript.entries.some(
          e => e.mayHoldValue && e.text.includes(canaries.prefix),
        ),
      ).toBe(true);
      expect(logs.matching(/secret-set/).length).toBeGreaterThan(10);

      const leakedAnswers = canaries.findIn(
        transcript
          .userFacing()
          .map(
            e => `${e.caller} ${e.method} ${e.path} → ${e.status}\n${e.text}`,
          ),
      );
      expect(leakedAnswers).toEqual([]);
      expect(canaries.findIn(logs.lines)).toEqual([]);
      const rows = await knex('secrets').select();
      expect(canaries.findIn(rows.map(row => JSON.stringify(row)))).toEqual([]);
      // Nothing was polluted along the way.
      expect(({} as any).polluted).toBeUndefined();
    });
  },
);
