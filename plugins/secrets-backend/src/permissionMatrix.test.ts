import http from 'node:http';
import type { Knex } from 'knex';
import { mockServices } from '@backstage/backend-test-utils';
import { SecretsConfig } from './config';
import { createRouter } from './service';
import { LogCapture } from './__testUtils__/capturingLogger';
import { createTestDatabases } from './__testUtils__/databases';
import { spec } from './schema';
import {
  ADMIN,
  DEFAULT_DEFINITIONS,
  NON_ADMIN,
  startSecretsBackend,
} from './__testUtils__/testBackend';
import {
  CALLER_HEADERS,
  CallerName,
  Canaries,
  Outcome,
  predictSnapshot,
  RawResponse,
  rawRequest,
  StateProbe,
  StateSnapshot,
  Transcript,
} from './__testUtils__/hostileHttp';

/*
 * The permission matrix: every route × every method (listed or not) × with
 * and without a trailing slash × every kind of caller, on every test
 * database. Each answer must match the design; a refused or unlisted
 * request must change nothing and carry no value; HEAD follows GET's
 * decision and never has a body.
 *
 * The design (README of the plugin, router.ts):
 * - manage routes (GET /secrets, GET /encryption, PUT and DELETE
 *   /secrets/:name, GET /secrets/:name/versions, POST
 *   /secrets/:name/versions/:version/restore, POST /secrets/:name/check):
 *   anonymous
 *   401, a user without manage-secrets 403, a user with it 2xx, a backend
 *   plugin (service token) 403, an external static token 403;
 * - GET /secrets/:name/value: anonymous 401, every user 403 (the admin
 *   too), a user token a plugin obtained on behalf of a user 403 (of an
 *   admin too: a plugin that forwards user requests must not hand users
 *   secrets), a backend plugin among the secret's readers 200, one outside
 *   them 403, an external static token 403 unless
 *   secrets.allowExternalAccessToValues is true (and the secret has no
 *   readers: readers name backend plugins).
 *
 * The main backend narrows OPENAI_API_KEY's readers to `catalog` through
 * `secrets.readers` (the `plugin` caller is plugin:catalog, the
 * `pluginNonReader` caller plugin:scaffolder); the backend that allows
 * external access leaves readers open.
 *
 * What the real stack does with everything else (measured, and asserted):
 * - the credentials barrier of Backstage's HTTP router answers 401 to an
 *   unauthenticated request (no, invalid, or wrongly targeted token) before
 *   any routing, whatever the method or path;
 * - any other caller gets express's answers: an unlisted method on a known
 *   path is 404 (empty body), and OPTIONS is answered by express's router
 *   itself with 200 and an `Allow` header (body: the same list) - there is
 *   no CORS layer in this stack. That 2xx carries no data and changes
 *   nothing, which is what matters;
 * - express routes case-insensitively and ignores one trailing slash.
 */

jest.setTimeout(120_000);

const databases = createTestDatabases();

const NAME = 'OPENAI_API_KEY';
const PROBED = ['OPENAI_API_KEY', 'SERVICE_ACCOUNT_JSON', 'PAGERDUTY_TOKEN'];
/** A user-scoped secret: each user's own value, read by `catalog` for them. */
const USER_NAME = 'PERSONAL_TOKEN';
/** An entity-scoped secret: Bob's component's own value, set by its owners. */
const ENTITY_NAME = 'SENTRY_DSN';
const DEFINITIONS = [
  ...DEFAULT_DEFINITIONS,
  { name: USER_NAME, scope: 'user' as const, readers: ['catalog'] },
  { name: ENTITY_NAME, scope: 'entity' as const, readers: ['catalog'] },
];
const BOBS = '/entities/component/default/bobs-service/secrets';
const OTHERS = '/entities/component/default/other-service/secrets';
/** The entity ref each user caller signs in as. */
const USER_OF: Partial<Record<string, string>> = {
  nonAdmin: NON_ADMIN,
  admin: ADMIN,
};

type Route =
  | 'list'
  | 'encryption'
  | 'item'
  | 'versions'
  | 'restore'
  | 'check'
  | 'value'
  | 'userList'
  | 'userItem'
  | 'userGrant'
  | 'entityList'
  | 'entityItem'
  | 'entityOtherItem'
  | 'watermark';
const USER_ROUTES: Route[] = ['userList', 'userItem', 'userGrant'];
const ENTITY_ITEMS: Route[] = ['entityItem', 'entityOtherItem'];
type Method = 'GET' | 'HEAD' | 'PUT' | 'DELETE' | 'POST' | 'PATCH' | 'OPTIONS';
/** The callers of the matrix: CALLER_HEADERS plus an external token on a backend that allows it. */
type Caller = CallerName | 'externalAllowed';

const PATHS: Record<Route, string> = {
  list: '/secrets',
  encryption: '/encryption',
  item: `/secrets/${NAME}`,
  versions: `/secrets/${NAME}/versions`,
  // Version 1 is the first baseline value; the main backend keeps every
  // version, so it is always there to restore.
  restore: `/secrets/${NAME}/versions/1/restore`,
  check: `/secrets/${NAME}/check`,
  value: `/secrets/${NAME}/value`,
  userList: '/user/secrets',
  userItem: `/user/secrets/${USER_NAME}`,
  userGrant: `/user/secrets/${USER_NAME}/grants/catalog`,
  entityList: BOBS,
  entityItem: `${BOBS}/${ENTITY_NAME}`,
  entityOtherItem: `${OTHERS}/${ENTITY_NAME}`,
  watermark: '/changes/watermark',
};
const METHODS: Method[] = [
  'GET',
  'HEAD',
  'PUT',
  'DELETE',
  'POST',
  'PATCH',
  'OPTIONS',
];
const CALLERS: Caller[] = [
  'anonymous',
  'nonAdmin',
  'admin',
  'plugin',
  'pluginNonReader',
  'external',
  'externalAllowed',
  'onBehalfOf',
  'onBehalfOfAdmin',
  'actorNotPlugin',
  'invalidToken',
  'wrongAudience',
];
/** Callers entitled to values (on the value route). */
const ENTITLED: Caller[] = ['plugin', 'externalAllowed'];
const UNAUTHENTICATED: Caller[] = [
  'anonymous',
  'invalidToken',
  'wrongAudience',
];

/**
 * The design, for the listed methods. `onBehalfOfAdmin` (a plugin acting
 * for the admin) is the admin as far as permissions go for reading
 * metadata (the permission policy sees user:default/alice), but routes
 * that change or spend a value take the admin's own sign-in only (`change`).
 */
const manage = (ok: number): Record<Caller, number> => ({
  anonymous: 401,
  invalidToken: 401,
  wrongAudience: 401,
  nonAdmin: 403,
  admin: ok,
  plugin: 403,
  pluginNonReader: 403,
  external: 403,
  externalAllowed: 403,
  onBehalfOf: 403,
  onBehalfOfAdmin: ok,
  actorNotPlugin: 403,
});
const change = (ok: number): Record<Caller, number> => ({
  ...manage(ok),
  onBehalfOfAdmin: 403,
});
const read: Record<Caller, number> = {
  anonymous: 401,
  invalidToken: 401,
  wrongAudience: 401,
  nonAdmin: 403,
  admin: 403,
  plugin: 200,
  pluginNonReader: 403,
  external: 403,
  externalAllowed: 200,
  onBehalfOf: 403,
  onBehalfOfAdmin: 403,
  actorNotPlugin: 403,
};
/**
 * A user's own routes: every signed-in user with their own token (own
 * values only); no plugin, external caller or plugin acting for a user.
 */
const own = (ok: number): Record<Caller, number> => ({
  anonymous: 401,
  invalidToken: 401,
  wrongAudience: 401,
  nonAdmin: ok,
  admin: ok,
  plugin: 403,
  pluginNonReader: 403,
  external: 403,
  externalAllowed: 403,
  onBehalfOf: 403,
  onBehalfOfAdmin: 403,
  actorNotPlugin: 403,
});
/**
 * An entity's routes: a user's own token; the list for anyone who may see
 * the entity, set and clear for its owners (Bob, on his component) and the
 * admin; never a plugin, nor a plugin acting for a user.
 */
const notOwner = (ok: number): Record<Caller, number> => ({
  ...own(ok),
  nonAdmin: 403,
});
/** Backend plugins' own tokens, whatever secrets they read (no value here). */
const plugins: Record<Caller, number> = {
  ...read,
  pluginNonReader: 200,
  externalAllowed: 403,
};
const DESIGN: Record<Route, Partial<Record<Method, Record<Caller, number>>>> = {
  list: { GET: manage(200), HEAD: manage(200) },
  encryption: { GET: manage(200), HEAD: manage(200) },
  item: { PUT: change(200), DELETE: change(204) },
  versions: { GET: manage(200), HEAD: manage(200) },
  restore: { POST: change(200) },
  // OPENAI_API_KEY gives no validate function: an admin is told so (400);
  // checks.test.ts covers the checks themselves.
  check: { POST: change(400) },
  value: { GET: read, HEAD: read },
  userList: { GET: own(200), HEAD: own(200) },
  userItem: { PUT: own(200), DELETE: own(204) },
  userGrant: { PUT: own(200) },
  entityList: { GET: own(200), HEAD: own(200) },
  entityItem: { PUT: own(200), DELETE: own(204) },
  entityOtherItem: { PUT: notOwner(200), DELETE: notOwner(204) },
  watermark: { GET: plugins, HEAD: plugins },
};
const ALLOW: Record<Route, string> = {
  list: 'GET,HEAD',
  encryption: 'GET,HEAD',
  item: 'PUT,DELETE',
  versions: 'GET,HEAD',
  restore: 'POST',
  check: 'POST',
  value: 'GET,HEAD',
  userList: 'GET,HEAD',
  userItem: 'PUT,DELETE',
  userGrant: 'PUT',
  entityList: 'GET,HEAD',
  entityItem: 'PUT,DELETE',
  entityOtherItem: 'PUT,DELETE',
  watermark: 'GET,HEAD',
};

function expectedStatus(route: Route, method: Method, caller: Caller): number {
  const designed = DESIGN[route][method]?.[caller];
  if (designed !== undefined) return designed;
  if (UNAUTHENTICATED.includes(caller)) return 401;
  return method === 'OPTIONS' ? 200 : 404;
}

function expectedOutcome(
  route: Route,
  method: Method,
  status: number,
  submitted: string,
  baseValue: string,
): Outcome {
  if (route === 'item' && method === 'PUT' && status === 200) {
    return { kind: 'set', name: NAME, value: submitted, actor: ADMIN };
  }
  if (route === 'item' && method === 'DELETE' && status === 204) {
    return { kind: 'clear', name: NAME };
  }
  if (route === 'restore' && method === 'POST' && status === 200) {
    // Version 1 holds the baseline value; it comes back as a new version.
    return { kind: 'set', name: NAME, value: baseValue, actor: ADMIN };
  }
  // Nothing else may change anything.
  return { kind: 'none' };
}

const ERROR_NAMES: Record<number, string> = {
  400: 'InputError',
  401: 'AuthenticationError',
  403: 'NotAllowedError',
};

const MATRIX: Array<[Method, string, Caller, number, Route, boolean]> = [];
for (const route of Object.keys(PATHS) as Route[]) {
  for (const method of METHODS) {
    for (const slash of [false, true]) {
      for (const caller of CALLERS) {
        MATRIX.push([
          method,
          `${PATHS[route]}${slash ? '/' : ''}`,
          caller,
          expectedStatus(route, method, caller),
          route,
          slash,
        ]);
      }
    }
  }
}

/** The routes the matrix covers, as express declares them. */
const COVERED = [
  'GET /secrets',
  'GET /encryption',
  'PUT /secrets/:name',
  'DELETE /secrets/:name',
  'GET /secrets/:name/versions',
  'POST /secrets/:name/versions/:version/restore',
  'POST /secrets/:name/check',
  'GET /secrets/:name/value',
  'GET /user/secrets',
  'PUT /user/secrets/:name',
  'DELETE /user/secrets/:name',
  'PUT /user/secrets/:name/grants/:pluginId',
  'GET /entities/:kind/:namespace/:name/secrets',
  'PUT /entities/:kind/:namespace/:name/secrets/:secretName',
  'DELETE /entities/:kind/:namespace/:name/secrets/:secretName',
  'GET /changes/watermark',
];

it('covers every route the router declares (a new route needs a row in DESIGN)', async () => {
  const router = await createRouter({
    config: new SecretsConfig(mockServices.rootConfig({ data: {} })),
  } as any);
  // Routes sit in the OpenAPI router nested in the outer one.
  const routesOf = (stack: any[]): string[] =>
    stack.flatMap((layer: any) => {
      if (layer.route) {
        return Object.keys(layer.route.methods).map(
          method => `${method.toUpperCase()} ${layer.route.path}`,
        );
      }
      return layer.handle?.stack ? routesOf(layer.handle.stack) : [];
    });
  const declared = routesOf(router.stack).filter(
    route => route !== 'GET /openapi.json',
  );
  expect(declared.sort()).toEqual([...COVERED].sort());
  // …and exactly the routes the OpenAPI document declares.
  const documented = Object.entries(spec.paths).flatMap(([path, item]) =>
    Object.keys(item).map(
      method => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`,
    ),
  );
  expect(documented.sort()).toEqual([...COVERED].sort());
  // Every covered route has a design row.
  expect(
    COVERED.map(route => {
      const [method, path] = route.split(' ');
      let concrete = path.startsWith('/user/')
        ? path.replace(':name', USER_NAME).replace(':pluginId', 'catalog')
        : path.replace(':name', NAME).replace(':version', '1');
      if (path.startsWith('/entities/')) {
        concrete = path
          .replace('/entities/:kind/:namespace/:name/secrets', BOBS)
          .replace(':secretName', ENTITY_NAME);
      }
      const key = (Object.keys(PATHS) as Route[]).find(
        r => PATHS[r] === concrete,
      );
      return key && DESIGN[key][method as Method] ? route : `missing ${route}`;
    }),
  ).toEqual(COVERED);
});

describe.each(databases.eachSupportedId())(
  'permission matrix on %p',
  databaseId => {
    const logs = new LogCapture();
    const transcript = new Transcript();
    const canaries = new Canaries('cnrypm-');
    /** The value stored before every request: it must reach entitled callers only. */
    const BASE_VALUE = canaries.next();

    interface Instance {
      server: http.Server;
      knex: Knex;
      probe: StateProbe;
      /** The state after the last request... */
      current: StateSnapshot;
      /** ...unless a test failed between its request and its state check. */
      synced: boolean;
    }
    let main: Instance;
    let allowing: Instance;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

    async function instance(config?: any): Promise<Instance> {
      const knex = await databases.init(databaseId);
      const { server } = await startSecretsBackend({
        knex,
        config,
        logs,
        definitions: DEFINITIONS,
      });
      const probe = new StateProbe(server, knex, PROBED);
      return {
        server,
        knex,
        probe,
        current: await probe.snapshot(),
        synced: true,
      };
    }

    beforeAll(async () => {
      main = await instance({
        secrets: {
          readers: { [NAME]: ['catalog'] },
          // Every version stays restorable (see PATHS.restore).
          history: { keep: 1_000_000 },
        },
      });
      allowing = await instance({
        secrets: { allowExternalAccessToValues: true },
      });
    });

    afterAll(() => {
      main?.probe.close();
      allowing?.probe.close();
      agent.destroy();
    });

    const target = (caller: Caller) =>
      caller === 'externalAllowed' ? allowing : main;

    async function send(
      caller: Caller,
      method: string,
      path: string,
      body?: string,
    ): Promise<RawResponse> {
      const backend = target(caller);
      const res = await rawRequest(backend.server, {
        method,
        path: `/api/secrets${path}`,
        headers: {
          Authorization:
            CALLER_HEADERS[caller === 'externalAllowed' ? 'external' : caller],
          'Content-Type': body === undefined ? undefined : 'application/json',
        },
        body,
        agent,
      });
      transcript.record(caller, method, path, res, ENTITLED.includes(caller));
      return res;
    }

    /** OPENAI_API_KEY holds BASE_VALUE before every request. */
    async function baseline(backend: Instance) {
      if (!backend.synced) backend.current = await backend.probe.snapshot();
      backend.synced = false;
      if (backend.current.values[NAME] !== BASE_VALUE) {
        const res = await rawRequest(backend.server, {
          method: 'PUT',
          path: `/api/secrets/secrets/${NAME}`,
          headers: {
            Authorization: CALLER_HEADERS.admin,
            'Content-Type': 'application/json',
          },
          body: JSON.stringify({ value: BASE_VALUE }),
        });
        if (res.status !== 200) throw new Error(`baseline: ${res.status}`);
        backend.current = await backend.probe.snapshot();
      }
    }

    async function expectState(backend: Instance, outcome: Outcome) {
      const predicted = predictSnapshot(backend.current, outcome);
      const after = await backend.probe.snapshot();
      backend.current = after;
      backend.synced = true;
      expect(after).toEqual(predicted);
    }

    /** What a response shows, in one comparable object. */
    function observe(res: RawResponse, method: string, submitted: string) {
      return {
        status: res.status,
        holdsStoredValue: res.text.includes(BASE_VALUE),
        echoesSubmittedValue: res.text.includes(submitted),
        headersHoldValue: JSON.stringify(res.headers).includes(canaries.prefix),
        errorName: res.json?.error?.name,
        hasBody: res.body.length > 0,
        allow: method === 'OPTIONS' ? res.headers.allow : undefined,
      };
    }

    function predictObservation(route: Route, method: Method, status: number) {
      const listedRead =
        route === 'value' && method === 'GET' && status === 200;
      const optionsAnswer = method === 'OPTIONS' && status === 200;
      let hasBody = method !== 'HEAD' && status !== 404;
      // 204 has no body; express's 404 for an unmatched route is empty.
      if (status === 204) hasBody = false;
      return {
        status,
        holdsStoredValue: listedRead,
        echoesSubmittedValue: false,
        headersHoldValue: false,
        errorName: method === 'HEAD' ? undefined : ERROR_NAMES[status],
        hasBody,
        allow: optionsAnswer ? ALLOW[route] : undefined,
      };
    }

    describe('every route × method × trailing slash × caller', () => {
      it.each(MATRIX)(
        '%s %s as %s → %i',
        async (method, path, caller, status, route) => {
          const backend = target(caller);
          await baseline(backend);
          const submitted = canaries.next();
          const withBody = ['PUT', 'POST', 'PATCH'].includes(method);
          let body: object = { value: submitted };
          if (route === 'userGrant') body = { allowed: true };
          if (route === 'restore') body = {};
          const res = await send(
            caller,
            method,
            path,
            withBody ? JSON.stringify(body) : undefined,
          );
          expect(observe(res, method, submitted)).toEqual(
            predictObservation(route, method, status),
          );
          // The answer to an entitled read is exactly the stored value; an
          // OPTIONS answer is the method list and nothing else.
          expect({
            value: res.json?.value,
            optionsBody:
              method === 'OPTIONS' && res.status === 200 ? res.text : undefined,
          }).toEqual({
            value:
              route === 'value' && method === 'GET' && status === 200
                ? BASE_VALUE
                : undefined,
            optionsBody:
              method === 'OPTIONS' && status === 200 ? ALLOW[route] : undefined,
          });
          // A user's routes touch that user's own rows only, and nothing
          // shared; the rows are removed again for the next request.
          const owners = [
            ...(await backend.knex('user_secrets').select('user_ref')),
            ...(await backend.knex('user_secret_grants').select('user_ref')),
          ].map(row => row.user_ref);
          const changedOwnRows =
            USER_ROUTES.includes(route) && status < 300 && method === 'PUT';
          expect(owners).toEqual(changedOwnRows ? [USER_OF[caller]] : []);
          await backend.knex('user_secret_grants').delete();
          await backend.knex('user_secrets').delete();
          // An entity's routes touch that entity's rows only.
          const entities = (
            await backend.knex('entity_secrets').select('entity_ref')
          ).map(row => row.entity_ref);
          const changedEntity =
            ENTITY_ITEMS.includes(route) && status < 300 && method === 'PUT';
          expect(entities).toEqual(
            changedEntity
              ? [
                  route === 'entityItem'
                    ? 'component:default/bobs-service'
                    : 'component:default/other-service',
                ]
              : [],
          );
          await backend.knex('entity_secrets').delete();
          await expectState(
            backend,
            expectedOutcome(route, method, status, submitted, BASE_VALUE),
          );
        },
      );
    });

    describe('a refusal never depends on whether the secret exists', () => {
      // The same refusal for a set, an unset, an unregistered and an invalid
      // name: a refused caller learns nothing about which secrets exist.
      const NAMES = [
        ['a set secret', NAME],
        ['an unset registered secret', 'PAGERDUTY_TOKEN'],
        ['an unregistered name', 'NOT_REGISTERED'],
        ['an invalid name', 'not..valid'],
      ];
      const cases: Array<[string, Caller, string, string, number]> = [];
      for (const [what, name] of NAMES) {
        for (const caller of [
          'anonymous',
          'nonAdmin',
          'admin',
          'external',
          'actorNotPlugin',
          'onBehalfOf',
          'onBehalfOfAdmin',
        ] as Caller[]) {
          cases.push([
            what,
            caller,
            'GET',
            `/secrets/${name}/value`,
            read[caller],
          ]);
        }
        for (const caller of [
          'anonymous',
          'nonAdmin',
          'plugin',
          'external',
          'onBehalfOf',
        ] as Caller[]) {
          cases.push([
            what,
            caller,
            'PUT',
            `/secrets/${name}`,
            manage(200)[caller],
          ]);
          cases.push([
            what,
            caller,
            'DELETE',
            `/secrets/${name}`,
            manage(204)[caller],
          ]);
          cases.push([
            what,
            caller,
            'GET',
            `/secrets/${name}/versions`,
            manage(200)[caller],
          ]);
          cases.push([
            what,
            caller,
            'POST',
            `/secrets/${name}/versions/1/restore`,
            manage(200)[caller],
          ]);
        }
      }
      it.each(cases)(
        '%s: %s %s %s → %i',
        async (_what, caller, method, path, status) => {
          const backend = target(caller);
          await baseline(backend);
          const submitted = canaries.next();
          const res = await send(
            caller,
            method,
            path,
            method === 'PUT' || method === 'POST'
              ? JSON.stringify({ value: submitted, expectedVersion: 99 })
              : undefined,
          );
          expect(observe(res, method, submitted)).toEqual(
            predictObservation('value', method as Method, status),
          );
          await expectState(backend, { kind: 'none' });
        },
      );

      it.each<[string, string, number]>([
        ['an unset registered secret', 'PAGERDUTY_TOKEN', 404],
        ['an unregistered name', 'NOT_REGISTERED', 404],
        ['an invalid name', 'not..valid', 400],
      ])(
        'an entitled plugin is told the truth about %s: %s → %i',
        async (_what, name, status) => {
          await baseline(main);
          const res = await send('plugin', 'GET', `/secrets/${name}/value`);
          expect({ status: res.status, value: res.json?.value }).toEqual({
            status,
            value: undefined,
          });
          await expectState(main, { kind: 'none' });
        },
      );
    });

    describe('path variants never grant more than the canonical path', () => {
      const VARIANTS: Array<[string, Route, string]> = [
        ['upper case', 'list', '/SECRETS'],
        ['mixed case', 'value', `/Secrets/${NAME}/VALUE`],
        ['upper case', 'item', `/SECRETS/${NAME}`],
        ['a double slash', 'value', `//secrets/${NAME}/value`],
        ['a double slash inside', 'value', `/secrets//${NAME}/value`],
        ['a dot segment', 'value', `/secrets/./${NAME}/value`],
        ['a query string', 'value', `/secrets/${NAME}/value?as=admin`],
        ['an encoded slash', 'value', `/secrets/${NAME}%2Fvalue`],
        ['a matrix parameter', 'value', `/secrets/${NAME};x=1/value`],
      ];
      const cases: Array<[string, string, Caller, Route, string]> = [];
      for (const [what, route, path] of VARIANTS) {
        for (const caller of [
          'anonymous',
          'nonAdmin',
          'admin',
          'plugin',
          'pluginNonReader',
          'external',
          'onBehalfOfAdmin',
        ] as Caller[]) {
          cases.push([
            what,
            path,
            caller,
            route,
            route === 'item' ? 'PUT' : 'GET',
          ]);
        }
      }
      it.each(cases)(
        '%s: %s as %s',
        async (_what, path, caller, route, method) => {
          const backend = target(caller);
          await baseline(backend);
          const submitted = canaries.next();
          const res = await send(
            caller,
            method,
            path,
            method === 'PUT' ? JSON.stringify({ value: submitted }) : undefined,
          );
          const canonical = expectedStatus(route, method as Method, caller);
          // Either routed like the canonical path (same answer) or not at
          // all (404, or 400 for a name that is no name); never a success
          // the canonical path refuses.
          expect([canonical, 400, 404]).toContain(res.status);
          expect(res.status < 300 && canonical >= 300).toBe(false);
          expect(res.text.includes(BASE_VALUE)).toBe(
            route === 'value' &&
              res.status === 200 &&
              ENTITLED.includes(caller),
          );
          expect(res.text).not.toContain(submitted);
          await expectState(
            backend,
            route === 'item' && res.status === 200
              ? { kind: 'set', name: NAME, value: submitted, actor: ADMIN }
              : { kind: 'none' },
          );
        },
      );
    });

    it('canary sweep: no log line and no answer to a caller not entitled to values holds a canary', () => {
      // The sweep saw real traffic: entitled reads that did hold the value.
      expect(transcript.entries.length).toBeGreaterThan(MATRIX.length);
      expect(
        transcript.entries.filter(
          e => e.mayHoldValue && e.text.includes(BASE_VALUE),
        ).length,
      ).toBeGreaterThan(5);
      expect(logs.matching(/"isAuditEvent":true/).length).toBeGreaterThan(100);

      const leaked = canaries.findIn(
        transcript
          .userFacing()
          .map(
            e => `${e.caller} ${e.method} ${e.path} → ${e.status}\n${e.text}`,
          ),
      );
      expect(leaked).toEqual([]);
      expect(canaries.findIn(logs.lines)).toEqual([]);
    });
  },
);
