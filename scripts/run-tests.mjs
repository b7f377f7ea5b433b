// Runs every *.test.ts under src/ and test/ with Node's own test runner (TypeScript through tsx).
// Node 20's --test does not expand globs, so the file list is collected here.
//
// PostgreSQL (docs/postgres.md, "Running the tests"): with SCIMD_TEST_PG_URL=postgres://… the run
// creates its own database on that server, with an ICU en-US default collation so that any text
// comparison lacking COLLATE "C" shows up, hands it to the tests as SCIMD_TEST_PG_URL, and drops
// it at the end. There is one pass: every suite takes its backend as a parameter
// (describeEachBackend in src/store/test-support/backends.ts) and declares itself on SQLite and,
// given the variable, on PostgreSQL, each store in a schema of its own, so files run two at a
// time whatever their backend. Without the variable the PostgreSQL suites skip and one line says
// how to enable them; SCIMD_REQUIRE_PG=1 (set by .ci/run) turns that skip into a failure.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

const SKIP_LINE = 'PostgreSQL tests skipped: set SCIMD_TEST_PG_URL=postgres://… to run them';

function collect(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const redact = (url) => url.replace(/^(postgres(?:ql)?:\/\/[^:/@]*:)[^/?#]*@/, '$1***@');

const children = new Set();

/** Runs `node --test` on `files` with `env`; resolves to its exit code. */
function runTests(files, env, { concurrency = 2 } = {}) {
  return new Promise((resolve) => {
    const args = ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...files];
    const child = spawn(process.execPath, args, { stdio: 'inherit', env });
    children.add(child);
    child.on('close', (code, signal) => {
      children.delete(child);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

async function query(url, text) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

/**
 * A database for this run on the server at `baseUrl`; without the privilege to create one, the
 * database of `baseUrl` itself (the tests only ever work in throwaway schemas).
 */
async function createRunDatabase(baseUrl) {
  const name = `scimd_test_${process.pid}_${randomBytes(3).toString('hex')}`;
  const attempts = [
    `create database ${name} template template0 encoding 'UTF8' locale 'C' locale_provider icu icu_locale 'en-US'`,
    `create database ${name} template template0 encoding 'UTF8'`, // servers without ICU locales (before 15)
  ];
  for (const [i, statement] of attempts.entries()) {
    try {
      await query(baseUrl, statement);
      const url = new URL(baseUrl);
      url.pathname = `/${name}`;
      return { url: url.href, name, drop: () => query(baseUrl, `drop database if exists ${name} with (force)`) };
    } catch (error) {
      if (error.code === '42501') {
        console.log(`== PostgreSQL: no privilege to create a database; testing in schemas of ${redact(baseUrl)}`);
        return { url: baseUrl, name: undefined, drop: async () => undefined };
      }
      if (i === attempts.length - 1) throw error;
    }
  }
}

const only = process.argv.slice(2);
const files = only.length > 0 ? only : [...collect('src', []), ...collect('test', [])].sort();

const baseUrl = process.env.SCIMD_TEST_PG_URL?.trim() || undefined;
const required = process.env.SCIMD_REQUIRE_PG === '1';
if (baseUrl === undefined && required) {
  console.error(`SCIMD_REQUIRE_PG=1 but SCIMD_TEST_PG_URL is unset. ${SKIP_LINE}`);
  process.exit(1);
}

let database;
if (baseUrl !== undefined) {
  try {
    database = await createRunDatabase(baseUrl);
  } catch (error) {
    console.error(`PostgreSQL at ${redact(baseUrl)} is unreachable or refused: ${error.message}`);
    process.exit(1);
  }
  if (database.name) console.log(`== PostgreSQL: this run's database is ${database.name} (dropped at the end)`);
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopping = true;
    for (const child of children) child.kill(signal);
  });
}

const env = { ...process.env, ...(database ? { SCIMD_TEST_PG_URL: database.url } : {}) };
// The variable of the old second pass, if still set in a shell, must not steer anything.
delete env.SCIMD_TEST_DATABASE_URL;
const code = await runTests(files, env);
if (database) {
  await database.drop().catch((error) => {
    console.error(`could not drop the test database ${database.name}: ${error.message}`);
  });
} else {
  console.log(SKIP_LINE);
}
process.exit(stopping ? 130 : code);
