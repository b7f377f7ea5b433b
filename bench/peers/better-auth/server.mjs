/**
 * Benchmark peer: Better Auth with its SCIM plugin (@better-auth/scim) on SQLite, set up as the
 * plugin's documentation shows: `betterAuth({ database: new Database(file), plugins: [scim(...)] })`
 * with one code-defined connection and a static bearer credential, the schema created by
 * Better Auth's own migrator (what `npx auth migrate` runs), served by `toNodeHandler` on
 * node:http. SCIM lives under `/api/auth/scim/v2`.
 *
 * Environment: BENCH_TOKEN (the credential), BENCH_DB (SQLite file, created), BENCH_PORT
 * (0 for any free port). Prints `listening on <url>` once ready. The directory is seeded by the
 * harness over HTTP, through the plugin's own POST endpoints.
 */
import { createServer } from 'node:http';
import { scim } from '@better-auth/scim';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import Database from 'better-sqlite3';

const token = process.env.BENCH_TOKEN ?? '';
const file = process.env.BENCH_DB ?? ':memory:';
const port = Number(process.env.BENCH_PORT ?? '0');

const database = new Database(file);
// The SQLite settings scimd uses too, so the comparison is between SCIM layers, not journals.
database.pragma('journal_mode = WAL');
database.pragma('synchronous = NORMAL');

const options = {
  // A fixed, high-entropy secret: the benchmark never issues sessions.
  secret: 'scimd-bench-9f8e7d6c5b4a39281706f5e4d3c2b1a0',
  baseURL: 'http://127.0.0.1',
  database,
  logger: { level: 'error' },
  telemetry: { enabled: false },
  // On by default in production; a load test would only measure the limiter's 429s.
  rateLimit: { enabled: false },
  plugins: [scim({ connections: [{ id: 'bench', credentials: [{ type: 'bearer', id: 'bench-1', token }] }] })],
};

const auth = betterAuth(options);
const { runMigrations } = await getMigrations(options);
await runMigrations();

const server = createServer(toNodeHandler(auth));
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`);
});
process.on('SIGTERM', () =>
  server.close(() => {
    database.close(); // checkpoints the WAL, so the file alone holds the data (the harness caches it)
    process.exit(0);
  }),
);
