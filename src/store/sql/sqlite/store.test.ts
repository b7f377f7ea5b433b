import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CompiledQuery, sql } from 'kysely';
import { resourceType } from '../../../scim/schema/registry.js';
import { openStore } from '../../open.js';
import { runStoreContract } from '../../store.contract.js';
import { checkedFilter, T0, tenantRecord, tokenRecord, userBody } from '../../test-support/fixtures.js';
import { CREDENTIAL_CHECK_MS } from '../credential-generation.js';
import { servesOneConnection } from '../dialect.js';
import { compileFilter } from '../filter-sql.js';
import { listMigrations, MIGRATION_TABLE, migrateToLatest } from '../migrations/migrate.js';
import { connect, MEMORY, openDatabase, STATEMENT_CACHE_SIZE } from './connect.js';
import { dialect } from './dialect.js';

const dir = mkdtempSync(join(tmpdir(), 'scimd-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshFile = () => join(dir, `nested/store-${++n}.db`);

runStoreContract('SQLite file', () => openStore(`file:${freshFile()}`));
runStoreContract('SQLite :memory:', () => openStore('sqlite::memory:'));

describe('SQLite store', () => {
  it("serves every statement on one connection, as Kysely's adapter says (so writers share transactions)", async () => {
    const db = connect(MEMORY);
    assert.equal(servesOneConnection(db), true);
    await db.destroy();
  });

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
      Object.keys(listMigrations(dialect)),
    );
    assert.equal((applied[0] as { name: string }).name, '0001-initial');
    await db.destroy();
  });

  it('opens with WAL, foreign keys, busy timeout and synchronous NORMAL', async () => {
    const file = freshFile();
    await (await openStore(`file:${file}`)).close();
    const db = connect(file);
    const pragma = async (name: string) => {
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
    const words = ['ÄLICE', 'ΣΊΣΥΦΟΣ', 'İstanbul', 'STRAẞE', 'ǅemal'];
    for (const word of words) {
      const result = await sql<{ f: string }>`select scim_fold(${word}) as f`.execute(db);
      assert.equal(result.rows[0]?.f, word.toLowerCase());
    }
    await db.destroy();
  });

  it('plans selective filters, memberships and the default page on indexes', async () => {
    const db = connect(':memory:');
    await migrateToLatest(db, dialect);
    await dialect.lifecycle.prepare(db);
    const plan = async (query: { compile(): { sql: string; parameters: readonly unknown[] } }) => {
      const compiled = query.compile();
      const explain = CompiledQuery.raw(`explain query plan ${compiled.sql}`, [...compiled.parameters]);
      const result = await db.executeQuery<{ detail: string }>(explain);
      return result.rows.map((row) => row.detail).join(' | ');
    };
    const users = (filter: string) =>
      db
        .selectFrom('resources as r')
        .select('r.id')
        .where('r.tenant_id', '=', 't')
        .where('r.resource_type', '=', 'User')
        .where(compileFilter(checkedFilter('User', filter), resourceType('User'), dialect))
        .orderBy(sql`r.created`)
        .orderBy(sql`r.id`)
        .limit(10);
    assert.match(
      await plan(users('userName eq "x"')),
      /USING INDEX resources_unique_name \(tenant_id=\? AND resource_type=\? AND unique_name_fold=\?\)/,
    );
    assert.match(await plan(users('externalId eq "x"')), /USING INDEX resources_external_id \(.*external_id=\?\)/);
    assert.match(
      await plan(users('displayName eq "x"')),
      /USING INDEX resources_display_name \(.*display_name_fold=\?\)/,
    );
    assert.match(
      await plan(
        db
          .selectFrom('resources as r')
          .select('r.id')
          .where('r.tenant_id', '=', 't')
          .where('r.resource_type', '=', 'User')
          .orderBy('r.created')
          .orderBy('r.id')
          .limit(10),
      ),
      /^SEARCH r USING COVERING INDEX resources_created \(tenant_id=\? AND resource_type=\?\)$/,
    );
    assert.match(
      await plan(
        db.selectFrom('group_members').select('group_id').where('tenant_id', '=', 't').where('member_id', '=', 'u'),
      ),
      /USING COVERING INDEX group_members_by_member \(tenant_id=\? AND member_id=\?\)/,
    );
    await db.destroy();
  });
});

describe('credential rows another process changes', () => {
  it('are seen at once when changed through this store and within CREDENTIAL_CHECK_MS otherwise', async () => {
    const file = freshFile();
    const server = await openStore(`file:${file}`);
    const cli = await openStore(`file:${file}`); // as `scimd tokens revoke` would, in its own process
    try {
      await server.tenants.create(tenantRecord('t1'));
      await server.tokens.insert(tokenRecord('k1', 't1'));
      await server.tokens.insert(tokenRecord('k2', 't1'));
      assert.equal((await server.tokens.findByHash('hash-k1'))?.revokedAt, null);
      assert.equal((await server.tenants.getById('t1'))?.status, 'active');

      await server.tokens.revoke('t1', 'k2', T0);
      assert.equal((await server.tokens.findByHash('hash-k2'))?.revokedAt, T0, 'own change: at once');

      await cli.tokens.revoke('t1', 'k1', T0);
      await cli.tenants.setStatus('t1', 'disabled');
      await sleep(CREDENTIAL_CHECK_MS + 50);
      assert.equal((await server.tokens.findByHash('hash-k1'))?.revokedAt, T0);
      assert.equal((await server.tenants.getById('t1'))?.status, 'disabled');
      await cli.tenants.delete('t1');
      await sleep(CREDENTIAL_CHECK_MS + 50);
      assert.equal(await server.tenants.getById('t1'), undefined);
      assert.equal(await server.tokens.findByHash('hash-k1'), undefined);
    } finally {
      await server.close();
      await cli.close();
    }
  });
});

describe('SQLite prepared-statement cache', () => {
  it('reuses a statement for the same SQL and keeps at most STATEMENT_CACHE_SIZE', () => {
    const database = openDatabase(MEMORY);
    try {
      const first = database.prepare('select 1 as n');
      assert.equal(database.prepare('select 1 as n'), first);
      assert.deepEqual(first.get(), { n: 1 });
      for (let i = 0; i < STATEMENT_CACHE_SIZE; i++) database.prepare(`select ${i + 2} as n`);
      // The first statement was least recently used: it has been evicted and is prepared anew.
      assert.notEqual(database.prepare('select 1 as n'), first);
      assert.deepEqual(database.prepare('select 1 as n').get(), { n: 1 });
    } finally {
      database.close();
    }
  });
});
