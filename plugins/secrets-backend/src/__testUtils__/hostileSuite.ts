import http from 'node:http';
import fc from 'fast-check';
import type { Knex } from 'knex';
import { LogCapture } from './capturingLogger';
import { createTestDatabases } from './databases';
import {
  CALLER_HEADERS,
  Canaries,
  predictSnapshot,
  rawRequest,
  StateProbe,
  Transcript,
} from './hostileHttp';
import type {
  CallerName,
  Outcome,
  RawResponse,
  StateSnapshot,
} from './hostileHttp';
import { fcParams } from './hostileArbitraries';
import { DEFINITIONS, ENTITLED, REGISTERED } from './hostileOracles';
import { ADMIN, startSecretsBackend } from './testBackend';

/*
 * The harness of the hostile input suites (src/hostileInput.*.test.ts):
 * adversarial input against the REST API, on every test database. The
 * invariants: never a 5xx, exactly the designed answer, never a stored
 * change from a refused request, an accepted value reads back exactly, and
 * no answer to a caller not entitled to values (nor any log line) ever
 * contains a value.
 *
 * One backend per database and file; the tests of a file share it and check
 * every request against the state observed after the previous one. After
 * the file, every answer to a caller not entitled to values and every
 * stored row is swept for canaries (src/setupTests.ts sweeps the logs).
 */

/** What the tests of a hostile input suite use, on one database. */
export interface HostileSuite {
  /** The state after the last request. */
  readonly current: StateSnapshot;
  readonly logs: LogCapture;
  readonly transcript: Transcript;
  readonly canaries: Canaries;
  /** One raw request as `caller`, recorded in the transcript. */
  send(
    caller: CallerName,
    method: string,
    path: string,
    options?: {
      body?: string | Buffer;
      contentType?: string;
      headers?: Record<string, string>;
      agent?: http.Agent | false;
    },
  ): Promise<RawResponse>;
  /** The state now must be the one predicted from the last one. */
  expectState(outcome: Outcome): Promise<void>;
  /**
   * A property over the shared backend; resynchronises after a failure.
   * Returns how often each status was answered, so that a test can show it
   * exercised both sides (accepted and refused), not one of them vacuously.
   */
  property<T>(
    arb: fc.Arbitrary<T>,
    run: (input: T) => Promise<number>,
    examples?: T[],
  ): Promise<Record<number, number>>;
  /**
   * The admin's value of `name` is stored now (`stored` false: nothing
   * changed at all).
   */
  expectSet(name: string, value: string, stored?: boolean): Promise<void>;
  /** Refused: a Backstage error body, no canary, nothing stored. */
  expectRefused(
    res: RawResponse,
    status: number,
    canary: string,
  ): Promise<void>;
  /** A PUT as the admin; contentType null sends no Content-Type at all. */
  put(
    name: string,
    body: string | Buffer | undefined,
    contentType?: string | null,
  ): Promise<RawResponse>;
  /** The stored version of a secret (0 when it was never set). */
  versionOf(name: string): number;
  /**
   * No answer to a caller not entitled to values and no stored row holds a
   * canary, and nothing was polluted.
   */
  expectNoCanaryLeaks(): Promise<void>;
}

/** What an answer shows: its status, and whether it echoes the canary. */
export const answer = (res: RawResponse, canary: string) => ({
  status: res.status,
  leaked: res.text.includes(canary),
});

/** The statuses a property answered, in order. */
export const seen = (statuses: Record<number, number>) =>
  Object.keys(statuses).map(Number).sort();

/**
 * Declares the suite `hostile input on <database>` for every test database,
 * with one backend each, and the tests `define` declares in it.
 */
export function describeHostileInput(
  define: (suite: HostileSuite) => void,
): void {
  jest.setTimeout(120_000);

  const databases = createTestDatabases();

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

      const send: HostileSuite['send'] = async (
        caller,
        method,
        path,
        options = {},
      ) => {
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
      };

      const expectState = async (outcome: Outcome) => {
        const predicted = predictSnapshot(current, outcome);
        const after = await probe.snapshot();
        current = after;
        synced = true;
        expect(after).toEqual(predicted);
      };

      const property = async <T>(
        arb: fc.Arbitrary<T>,
        run: (input: T) => Promise<number>,
        examples: T[] = [],
      ): Promise<Record<number, number>> => {
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
      };

      const expectSet: HostileSuite['expectSet'] = (
        name,
        value,
        stored = true,
      ) =>
        expectState(
          stored
            ? { kind: 'set', name, value, actor: ADMIN }
            : { kind: 'none' },
        );

      const expectRefused = async (
        res: RawResponse,
        status: number,
        canary: string,
      ) => {
        expect(answer(res, canary)).toEqual({ status, leaked: false });
        expect(res.json).toEqual({
          error: expect.objectContaining({
            name: expect.any(String),
            message: expect.any(String),
          }),
          request: expect.anything(),
          response: { statusCode: status },
        });
        await expectState({ kind: 'none' });
      };

      const put: HostileSuite['put'] = (
        name,
        body,
        contentType = 'application/json',
      ) =>
        send('admin', 'PUT', `/secrets/${name}`, {
          body,
          contentType: contentType ?? undefined,
        });

      const expectNoCanaryLeaks = async () => {
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
        expect(canaries.findIn(rows.map(row => JSON.stringify(row)))).toEqual(
          [],
        );
        // Nothing was polluted along the way.
        expect(({} as any).polluted).toBeUndefined();
      };

      // Every file, whatever its tests, ends with the sweep.
      afterAll(async () => {
        if (probe) await expectNoCanaryLeaks();
      });

      define({
        get current() {
          return current;
        },
        logs,
        transcript,
        canaries,
        send,
        expectState,
        property,
        expectSet,
        expectRefused,
        put,
        versionOf: name => Number(current.rows[name]?.version ?? 0),
        expectNoCanaryLeaks,
      });
    },
  );
}
