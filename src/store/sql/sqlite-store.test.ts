import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openStore } from '../open.js';
import { runStoreContract } from '../store.contract.js';
import { tenantRecord, userBody } from '../test-support/fixtures.js';
import { MIGRATION_TABLE } from './migrations/migrate.js';
import { connect } from './sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'scimd-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshFile = () => join(dir, `nested/store-${++n}.db`);

runStoreContract('SQLite file', () => openStore(`file:${freshFile()}`));
runStoreContract('SQLite :memory:', () => openStore('sqlite::memory:'));

describe('SQLite store', () => {
  it('keeps data across reopen, migrating once', async () => {
    const file = freshFile();
    const first = await openStore(`file:${file}`);
    assert.deepEqual(first.capabilities, { sharedAcrossProcesses: false, durable: true });
    await first.tenants.create(tenantRecord('t1'));
    await first
      .forTenant('t1')
      .transaction((tx) =>
        tx.insertResource({ id: 'u1', resourceType: 'User', body: userBody('alice'), now: '2024-01-01T00:00:00Z' }),
      );
    await first.close();
    const second = await openStore(`file:${file}`);
    assert.equal((await second.forTenant('t1').getResource('User', 'u1'))?.body['userName'], 'alice');
    await second.ping();
    await second.close();
    const db = connect(file);
    const applied = await db
      .selectFrom(MIGRATION_TABLE as never)
      .selectAll()
      .execute();
    assert.deepEqual(
      applied.map((row) => (row as { name: string }).name),
      ['0001-initial'],
    );
    await db.destroy();
  });

  it('opens with WAL, foreign keys, busy timeout and synchronous NORMAL', async () => {
    const file = freshFile();
    await (await openStore(`file:${file}`)).close();
    const db = connect(file);
    const pragma = async (name: string) => {
      const { sql } = await import('kysely');
      const rows = await sql<Record<string, unknown>>`${sql.raw(`pragma ${name}`)}`.execute(db);
      return Object.values(rows.rows[0] ?? {})[0];
    };
    assert.equal(await pragma('journal_mode'), 'wal');
    assert.equal(await pragma('foreign_keys'), 1);
    assert.equal(await pragma('busy_timeout'), 5000);
    assert.equal(await pragma('synchronous'), 1);
    await db.destroy();
  });

  it('folds Unicode in SQL exactly as JavaScript does', async () => {
    const db = connect(':memory:');
    const { sql } = await import('kysely');
    const words = ['ÄLICE', 'ΣΊΣΥΦΟΣ', 'İstanbul', 'STRAẞE', 'ǅemal'];
    for (const word of words) {
      const result = await sql<{ f: string }>`select scim_fold(${word}) as f`.execute(db);
      assert.equal(result.rows[0]?.f, word.toLowerCase());
    }
    await db.destroy();
  });
});
