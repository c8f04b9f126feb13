import { TestDatabaseId, TestDatabases } from '@backstage/backend-test-utils';
import knexFactory, { type Knex } from 'knex';

/*
 * The databases the integration suites run against: SQLite always, and the
 * PostgreSQL server named by BACKSTAGE_TEST_DATABASE_POSTGRES<major>_CONNECTION_STRING
 * (scripts/test.sh sets it). With SECRETS_TEST_REQUIRE_POSTGRES=1 (set by
 * scripts/test.sh under CI=true) a missing or unreachable server fails the
 * file instead of leaving PostgreSQL out.
 */

/** Every PostgreSQL that TestDatabases knows; it keeps those whose variable is set. */
const POSTGRES_IDS: TestDatabaseId[] = [
  'POSTGRES_18',
  'POSTGRES_17',
  'POSTGRES_16',
  'POSTGRES_15',
  'POSTGRES_14',
  'POSTGRES_13',
  'POSTGRES_12',
  'POSTGRES_11',
  'POSTGRES_9',
];

const CONNECTION_VARIABLE = (id: TestDatabaseId) =>
  `BACKSTAGE_TEST_DATABASE_${id.replace('_', '')}_CONNECTION_STRING`;

const postgresRequired = () =>
  process.env.SECRETS_TEST_REQUIRE_POSTGRES === '1';

/** What the suites use of TestDatabases. */
export interface SuiteDatabases {
  /** SQLite, then each configured PostgreSQL, for describe.each. */
  eachSupportedId(): Array<[TestDatabaseId]>;
  /** The configured PostgreSQL databases only, for describe.each. */
  eachPostgresId(): Array<[TestDatabaseId]>;
  /** A fresh, empty database of that kind. */
  init(id: TestDatabaseId): Promise<Knex>;
}

/** The admin connection to the server a PostgreSQL test database lives on. */
function adminConnection(id: TestDatabaseId): Knex {
  const url = new URL(process.env[CONNECTION_VARIABLE(id)] ?? '');
  url.pathname = '/postgres';
  return knexFactory({
    client: 'pg',
    connection: url.toString(),
    pool: { min: 0, max: 4, acquireTimeoutMillis: 10_000 },
  });
}

/**
 * The test databases of one test file. Call it at the top of the file.
 *
 * TestDatabases drops the databases it created, one after another, in an
 * afterAll hook with a fixed 60 s timeout, which a file that creates one
 * per test can exceed on a loaded machine. So this registers its own
 * afterAll first (jest runs them in the order they were declared): it
 * drops this file's PostgreSQL databases, a few at a time, within a
 * timeout that fits; TestDatabases' own hook then finds nothing left.
 */
export function createTestDatabases(): SuiteDatabases {
  const created: Array<{ id: TestDatabaseId; knex: Knex }> = [];
  afterAll(async () => {
    const byServer = new Map<TestDatabaseId, string[]>();
    for (const { id, knex } of created.splice(0)) {
      const name = (knex.client.config.connection as { database?: string })
        ?.database;
      await knex.destroy();
      if (id.startsWith('POSTGRES') && name) {
        byServer.set(id, [...(byServer.get(id) ?? []), name]);
      }
    }
    for (const [id, names] of byServer) {
      const admin = adminConnection(id);
      try {
        await Promise.all(
          names.map(name =>
            admin.raw('DROP DATABASE IF EXISTS ??', [name]).catch(() => {
              // Still in use (a connection the test left open): left to
              // TestDatabases' own clean-up, as before.
            }),
          ),
        );
      } finally {
        await admin.destroy();
      }
    }
  }, 600_000);

  const databases = TestDatabases.create({
    ids: ['SQLITE_3', ...POSTGRES_IDS],
    disableDocker: true,
  });
  const postgres = databases
    .eachSupportedId()
    .filter(([id]) => id.startsWith('POSTGRES'));

  if (postgresRequired()) {
    if (postgres.length === 0) {
      throw new Error(
        'PostgreSQL is required (SECRETS_TEST_REQUIRE_POSTGRES=1) but no BACKSTAGE_TEST_DATABASE_POSTGRES<major>_CONNECTION_STRING is set; run the tests through scripts/test.sh.',
      );
    }
    beforeAll(async () => {
      for (const [id] of postgres) {
        const admin = adminConnection(id);
        try {
          await admin.raw('select 1');
        } catch (error) {
          throw new Error(
            `PostgreSQL is required (SECRETS_TEST_REQUIRE_POSTGRES=1) but cannot be reached through ${CONNECTION_VARIABLE(
              id,
            )}: ${(error as Error).message}`,
          );
        } finally {
          await admin.destroy();
        }
      }
    }, 60_000);
  }

  return {
    eachSupportedId: () => databases.eachSupportedId(),
    eachPostgresId: () => postgres,
    async init(id) {
      const knex = await databases.init(id);
      created.push({ id, knex });
      return knex;
    },
  };
}

/**
 * Declares a suite that runs on PostgreSQL only (`title` with `%p` for the
 * database), once per configured server. Without one it reports its tests
 * as skipped, saying why, instead of vanishing; under
 * SECRETS_TEST_REQUIRE_POSTGRES=1 createTestDatabases has failed the file
 * before that.
 */
export function describeOnPostgres(
  databases: SuiteDatabases,
  title: string,
  define: (id: TestDatabaseId) => void,
): void {
  const ids = databases.eachPostgresId();
  if (ids.length > 0) {
    // eslint-disable-next-line jest/valid-title -- the caller's title
    describe.each(ids)(title, id => {
      define(id);
    });
    return;
  }
  const skipped = title.replace(
    '%p',
    'PostgreSQL (skipped: no BACKSTAGE_TEST_DATABASE_POSTGRES<major>_CONNECTION_STRING is set)',
  );
  // Skipped on purpose, and saying why: the tests are reported, not lost.
  // eslint-disable-next-line jest/no-disabled-tests, jest/valid-title
  describe.skip(skipped, () => {
    define(POSTGRES_IDS[0]);
  });
}
