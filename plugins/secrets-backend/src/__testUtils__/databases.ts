import { TestDatabaseId, TestDatabases } from '@backstage/backend-test-utils';

/**
 * The databases the integration suites run against: SQLite always, and the
 * PostgreSQL server named by BACKSTAGE_TEST_DATABASE_POSTGRES<major>_CONNECTION_STRING
 * (scripts/test.sh sets it). With SECRETS_TEST_REQUIRE_POSTGRES=1 (CI) a
 * missing server fails the suite instead of skipping PostgreSQL.
 */
export function testDatabaseIds(): TestDatabaseId[] {
  const ids: TestDatabaseId[] = ['SQLITE_3'];
  for (const variable of Object.keys(process.env)) {
    const match = variable.match(
      /^BACKSTAGE_TEST_DATABASE_POSTGRES(\d+)_CONNECTION_STRING$/,
    );
    if (match && process.env[variable]) {
      ids.push(`POSTGRES_${match[1]}` as TestDatabaseId);
    }
  }
  if (
    process.env.SECRETS_TEST_REQUIRE_POSTGRES === '1' &&
    !ids.some(id => id.startsWith('POSTGRES'))
  ) {
    throw new Error(
      'PostgreSQL is required (SECRETS_TEST_REQUIRE_POSTGRES=1) but no BACKSTAGE_TEST_DATABASE_POSTGRES<major>_CONNECTION_STRING is set; run the tests through scripts/test.sh.',
    );
  }
  return ids;
}

export function createTestDatabases(): TestDatabases {
  const databases = TestDatabases.create({
    ids: testDatabaseIds(),
    disableDocker: true,
  });
  // TestDatabases drops every database it created in an afterAll hook with a
  // fixed 60 s timeout, which a suite that creates one per test can exceed
  // on a loaded machine. Its hook calls `shutdown` at run time: hand it a
  // no-op, and shut down here with a timeout that fits the suite.
  // (`shutdown` is private in its type, hence the cast.)
  const closable = databases as unknown as { shutdown(): Promise<void> };
  const shutdown = closable.shutdown.bind(databases);
  closable.shutdown = async () => {};
  afterAll(shutdown, 600_000);
  return databases;
}
