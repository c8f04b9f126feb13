// `node scripts/pg-check.mjs URL` prints the major version of the PostgreSQL
// server at URL, or fails with the connection error (scripts/test.sh).
// withPg() is the benchmark's PostgreSQL client too.
import { createRequire } from 'node:module';

/** Runs `fn` with a pg client connected to `url` (or to its `database`). */
export async function withPg(url, fn, database) {
  const { Client } = createRequire(import.meta.url)('pg');
  const target = new URL(url);
  if (database) target.pathname = `/${database}`;
  const connectionString = target.toString();
  const client = new Client({
    connectionString,
    connectionTimeoutMillis: 3000,
  });
  try {
    await client.connect();
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

if (process.argv[1] === import.meta.filename) {
  const url = process.argv[2] ?? 'postgresql://postgres@127.0.0.1:5432';
  try {
    const { rows } = await withPg(url, c => c.query('SHOW server_version_num'));
    console.log(Math.floor(Number(rows[0].server_version_num) / 10000));
  } catch (error) {
    console.error(`cannot connect: ${error.message}`);
    process.exitCode = 1;
  }
}
