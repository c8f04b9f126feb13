import fc from 'fast-check';
import { SECRET_NAME_MAX_LENGTH } from '@backstage-secrets/plugin-secrets-common';
import { CallerName, percentEncodeUtf8 } from './hostileHttp';
import {
  BodyPlan,
  EvPlan,
  LONG_NAME,
  RAW_VERSIONS,
  REGISTERED,
} from './hostileOracles';

/*
 * The fast-check arbitraries of the hostile input properties
 * (src/hostileInput.properties.test.ts). fast-check is seeded
 * (SECRETS_FC_SEED overrides it, SECRETS_FC_RUNS the run count); a failure
 * prints the seed and the counterexample.
 */

const SEED = Number(process.env.SECRETS_FC_SEED ?? 1_123_581_321);
export const NUM_RUNS = Number(process.env.SECRETS_FC_RUNS ?? 200);
export const fcParams = <T>(examples: T[] = []): fc.Parameters<[T]> => ({
  seed: SEED,
  numRuns: NUM_RUNS,
  examples: examples.map(example => [example] as [T]),
});

// ---------------------------------------------------------------------------
// Hostile text and names
// ---------------------------------------------------------------------------

/** Name-like strings up to two characters beyond the longest valid name. */
const NEAR_NAMES = new RegExp(
  `^[A-Z][A-Z0-9_]{0,${SECRET_NAME_MAX_LENGTH + 2}}$`,
);

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
  'A'.repeat(SECRET_NAME_MAX_LENGTH + 1),
  `${LONG_NAME}X`,
  'A'.repeat(2000),
  ...REGISTERED,
];

/** How a generated name is put into the path. */
export type PathEncoding = 'encoded' | 'double-encoded' | 'raw';

/** One request of the names property. */
export interface NameCase {
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

export function segmentFor(name: string, encoding: PathEncoding): string {
  if (encoding === 'encoded') return percentEncodeUtf8(name);
  if (encoding === 'double-encoded') {
    return percentEncodeUtf8(percentEncodeUtf8(name));
  }
  return rawSegment(name);
}

export const nameArb = fc.oneof(
  { weight: 3, arbitrary: hostileText(40, true) },
  { weight: 3, arbitrary: fc.constantFrom(...INTERESTING_NAMES) },
  { weight: 2, arbitrary: fc.stringMatching(NEAR_NAMES) },
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
// Body plans
// ---------------------------------------------------------------------------

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

export const bodyPlanArb: fc.Arbitrary<BodyPlan> = fc.oneof(
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
