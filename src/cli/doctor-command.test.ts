import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { FOLD_SAMPLE } from '../store/sql/inspect.js';
import { listMigrations, MIGRATION_TABLE } from '../store/sql/migrations/migrate.js';
import { connect } from '../store/sql/sqlite/connect.js';
import { dialect } from '../store/sql/sqlite/dialect.js';
import { createTestSchema, describePostgres } from '../store/test-support/postgres.js';
import { diagnose } from './doctor-command.js';
import { createCliSandbox } from './test-support/run-cli.js';

const sandbox = createCliSandbox();
after(() => sandbox.remove());
const ALL = Object.keys(listMigrations(dialect)).sort();
const LATEST = ALL.at(-1);

describe('diagnose', () => {
  const sqlite = (migrations: { applied?: string[]; pending?: string[]; unknown?: string[] }, fold = true) => ({
    backend: 'SQLite' as const,
    location: '/data/scimd.db',
    sql: {
      serverVersion: '3.50.1',
      migrations: { applied: [], pending: [], unknown: [], ...migrations },
      foldsLikeJavaScript: fold,
      foldResult: fold ? FOLD_SAMPLE.toLowerCase() : 'όσοσ',
    },
  });

  it('passes a reachable, migrated database that folds Unicode', () => {
    assert.deepEqual(diagnose(sqlite({ applied: ['0001-a', '0002-b'] }), 3.4), [
      { name: 'database', ok: true, detail: 'SQLite 3.50.1 at /data/scimd.db, answered in 3 ms' },
      { name: 'schema', ok: true, detail: 'up to date (2 migrations, latest 0002-b)' },
      { name: 'case folding', ok: true, detail: 'Unicode, exactly as JavaScript toLowerCase' },
    ]);
  });

  it('fails pending migrations, migrations of a newer scimd and a foreign fold', () => {
    const [, pending] = diagnose(sqlite({ applied: ['0001-a'], pending: ['0002-b', '0003-c'] }), 1);
    assert.deepEqual(pending, {
      name: 'schema',
      ok: false,
      detail: '2 pending (0002-b, 0003-c); run "scimd migrate" (scimd serve also applies them at start)',
    });
    const [, newer] = diagnose(sqlite({ applied: ['0001-a'], unknown: ['0009-z'] }), 1);
    assert.deepEqual(newer, {
      name: 'schema',
      ok: false,
      detail: 'migrated by a newer scimd (0009-z unknown to this version); upgrade this scimd',
    });
    const [, , fold] = diagnose(sqlite({ applied: ['0001-a'] }, false), 1);
    assert.deepEqual(fold, {
      name: 'case folding',
      ok: false,
      detail: 'differs from JavaScript toLowerCase: got "όσοσ"',
    });
  });

  it('reports an unreachable database, a missing file and the memory store', () => {
    assert.deepEqual(diagnose(new Error('connect ECONNREFUSED 127.0.0.1:5432'), 1), [
      { name: 'database', ok: false, detail: 'unreachable or unusable: connect ECONNREFUSED 127.0.0.1:5432' },
    ]);
    assert.deepEqual(diagnose({ backend: 'SQLite', location: '/x.db' }, 1), [
      {
        name: 'database',
        ok: false,
        detail: 'SQLite file /x.db does not exist yet; "scimd migrate" or "scimd serve" creates it',
      },
    ]);
    assert.deepEqual(diagnose({ backend: 'memory', location: 'memory:' }, 1), [
      { name: 'database', ok: true, detail: 'memory: (no schema; nothing is kept across restarts)' },
    ]);
  });
});

describe('scimd doctor (SQLite)', () => {
  it('fails on a missing file without creating it, passes once migrated', async () => {
    const { run, dbDir } = sandbox.fixture();
    const file = join(dbDir, 'scimd.db');
    const missing = await run(['doctor']);
    assert.equal(missing.code, 1);
    assert.equal(
      missing.stdout,
      `FAIL  database  SQLite file ${file} does not exist yet; "scimd migrate" or "scimd serve" creates it\n1 check failed\n`,
    );
    assert.equal(existsSync(file), false);
    assert.equal((await run(['migrate'])).code, 0);
    const healthy = await run(['doctor']);
    assert.equal(healthy.code, 0, healthy.stdout);
    const lines = healthy.stdout.split('\n');
    assert.match(
      lines[0]!,
      new RegExp(`^ok    database      SQLite \\d+\\.\\d+\\.\\d+ at ${file}, answered in \\d+ ms$`),
    );
    assert.equal(lines[1], `ok    schema        up to date (${ALL.length} migrations, latest ${LATEST})`);
    assert.equal(lines[2], 'ok    case folding  Unicode, exactly as JavaScript toLowerCase');
    assert.equal(lines[3], 'all checks passed');
  });

  it('tells a database migrated by a newer scimd', async () => {
    const { run, dbDir } = sandbox.fixture();
    await run(['migrate']);
    const db = connect(join(dbDir, 'scimd.db'));
    await sql`insert into ${sql.table(MIGRATION_TABLE)} (name, timestamp) values ('9999-future', '2030-01-01')`.execute(
      db,
    );
    await db.destroy();
    const result = await run(['doctor', '--json']);
    assert.equal(result.code, 1);
    const report = JSON.parse(result.stdout);
    assert.equal(report.ok, false);
    assert.deepEqual(report.checks[1], {
      name: 'schema',
      ok: false,
      detail: 'migrated by a newer scimd (9999-future unknown to this version); upgrade this scimd',
    });
  });
});

describePostgres('scimd doctor (PostgreSQL)', (url) => {
  it('fails an unmigrated schema, passes once migrated', async () => {
    const schema = await createTestSchema(url);
    try {
      const { run } = sandbox.fixture({ SCIMD_DATABASE_URL: schema.url });
      const fresh = await run(['doctor', '--json']);
      assert.equal(fresh.code, 1);
      const checks = JSON.parse(fresh.stdout).checks;
      assert.match(checks[0].detail, /^PostgreSQL \d+\.\d+.* at postgres:\/\/.*, answered in \d+ ms$/);
      assert.equal(checks[1].detail.startsWith(`${ALL.length} pending (${ALL.join(', ')})`), true);
      assert.deepEqual(checks[2], {
        name: 'case folding',
        ok: true,
        detail: 'Unicode, exactly as JavaScript toLowerCase',
      });
      assert.equal((await run(['migrate'])).code, 0);
      const healthy = await run(['doctor']);
      assert.equal(healthy.code, 0, healthy.stdout);
      assert.match(healthy.stdout, /\nall checks passed\n$/);
    } finally {
      await schema.drop();
    }
  });

  it('reports a server that does not answer', async () => {
    const closed = new URL(url);
    closed.port = '1';
    const result = await sandbox.fixture({ SCIMD_DATABASE_URL: closed.href }).run(['doctor']);
    assert.equal(result.code, 1);
    assert.match(
      result.stdout,
      /^FAIL {2}database {2}unreachable or unusable: .*(ECONNREFUSED|ENOENT).*\n1 check failed\n$/,
    );
  });
});
