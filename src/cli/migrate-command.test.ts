import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { listMigrations } from '../store/sql/migrations/migrate.js';
import { dialect } from '../store/sql/sqlite/dialect.js';
import { createTestSchema, describePostgres } from '../store/test-support/postgres.js';
import { createCliSandbox } from './test-support/run-cli.js';

const sandbox = createCliSandbox();
after(() => sandbox.remove());
const ALL = Object.keys(listMigrations(dialect)).sort();

describe('scimd migrate', () => {
  it('creates and migrates a SQLite file, then finds nothing to do', async () => {
    const { run, dbDir } = sandbox.fixture();
    const file = join(dbDir, 'scimd.db');
    const first = await run(['migrate']);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, `SQLite ${file}: applied ${ALL.length} migrations: ${ALL.join(', ')}\n`);
    assert.ok(existsSync(file));
    const second = await run(['migrate', '--json']);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(JSON.parse(second.stdout), { backend: 'SQLite', location: file, applied: [] });
    assert.equal((await run(['migrate'])).stdout, `SQLite ${file}: the schema is up to date\n`);
  });

  it('has nothing to migrate in memory, and rejects arguments', async () => {
    const { run } = sandbox.fixture({ SCIMD_DATABASE_URL: 'memory:' });
    assert.deepEqual(await run(['migrate']), {
      code: 0,
      stdout: 'memory: nothing to migrate (the memory store has no schema and keeps nothing)\n',
      stderr: '',
    });
    const wrong = await run(['migrate', 'now']);
    assert.equal(wrong.code, 2);
    assert.equal(
      wrong.stderr,
      'scimd: unexpected argument "now"\nusage: scimd migrate [--json]\nRun "scimd help" for usage.\n',
    );
  });

  it('fails with exit 78 on a bad SCIMD_DATABASE_URL', async () => {
    const { run } = sandbox.fixture({ SCIMD_DATABASE_URL: 'mysql://x' });
    const result = await run(['migrate']);
    assert.equal(result.code, 78);
    assert.match(result.stderr, /SCIMD_DATABASE_URL: the value must be file:<path>/);
  });
});

describePostgres('scimd migrate on PostgreSQL', (url) => {
  it('migrates a fresh schema once; a refused login fails without showing the password', async () => {
    const schema = await createTestSchema(url);
    try {
      const stranger = new URL(schema.url);
      stranger.username = 'scimd_no_such_role';
      stranger.password = 's3cret';
      const { run } = sandbox.fixture({ SCIMD_DATABASE_URL: schema.url });
      const first = await run(['migrate', '--json']);
      assert.equal(first.code, 0, first.stderr);
      assert.deepEqual(JSON.parse(first.stdout).applied, ALL);
      assert.equal(JSON.parse(first.stdout).backend, 'PostgreSQL');
      const second = await run(['migrate']);
      assert.equal(second.code, 0, second.stderr);
      assert.match(second.stdout, /^PostgreSQL postgres.*: the schema is up to date\n$/);
      const failed = await sandbox.fixture({ SCIMD_DATABASE_URL: stranger.href }).run(['migrate']);
      assert.equal(failed.code, 1);
      assert.match(failed.stderr, /scimd_no_such_role/);
      assert.doesNotMatch(failed.stdout + failed.stderr, /s3cret/);
    } finally {
      await schema.drop();
    }
  });
});
