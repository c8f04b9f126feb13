// Prints the major version of the PostgreSQL server at the given URL, or
// fails with the connection error. Used by scripts/test.sh.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Client } = require('pg');

const url = process.argv[2] ?? 'postgresql://postgres@127.0.0.1:5432';
const client = new Client({
  connectionString: url,
  connectionTimeoutMillis: 3000,
});
try {
  await client.connect();
  const { rows } = await client.query('SHOW server_version_num');
  console.log(Math.floor(Number(rows[0].server_version_num) / 10000));
} catch (error) {
  console.error(`cannot connect: ${error.message}`);
  process.exitCode = 1;
} finally {
  await client.end().catch(() => {});
}
