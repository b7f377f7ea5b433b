/**
 * Credentials kept for minutes, revoked within a second (credential-generation.ts): two stores
 * on one database, as a server and the `scimd` CLI (or a second server) in their own processes.
 * Time is a fake monotonic clock handed to the server's store, so nothing here sleeps.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type Kysely, sql } from 'kysely';
import type { StatementKind } from '../observer-port.js';
import { openStore } from '../open.js';
import type { Store } from '../store.js';
import { at, tenantRecord, tokenRecord } from '../test-support/fixtures.js';
import { createTestSchema, describePostgres } from '../test-support/postgres.js';
import { CREDENTIAL_CHECK_MS, credentialGenerationOf } from './credential-generation.js';
import type { SqlDialect } from './dialect.js';
import { connect as connectPostgres } from './postgres/connect.js';
import { dialect as postgresDialect } from './postgres/dialect.js';
import { CREDENTIAL_CACHE_MS } from './read-cache.js';
import { openSqlStore } from './sql-store.js';
import { connect as connectSqlite } from './sqlite/connect.js';
import { dialect as sqliteDialect } from './sqlite/dialect.js';
import type { Database } from './tables.js';
import { migrateBefore } from './test-support/migrate-before.js';

const directory = mkdtempSync(join(tmpdir(), 'scimd-credential-generation-'));
after(() => rmSync(directory, { recursive: true, force: true }));
let files = 0;

interface Backend {
  readonly dialect: SqlDialect;
  readonly connect: (observer?: { statement(kind: StatementKind): void }) => Kysely<Database>;
  /** A URL `openStore` opens on the same database (the other process). */
  readonly url: string;
}

/** The "server": a store whose credential checks run on `clock`, counting its SELECTs. */
async function openServer(backend: Backend, clock: () => number) {
  const counted = { selects: 0 };
  const db = backend.connect({ statement: (kind) => void (kind === 'select' && counted.selects++) });
  credentialGenerationOf(db, clock);
  const store = await openSqlStore({
    db,
    dialect: backend.dialect,
    capabilities: { sharedAcrossProcesses: true, durable: true },
  });
  return { store, counted };
}

function revocationAcrossProcesses(open: () => Promise<{ backend: Backend; done: () => Promise<void> }>) {
  it('sees another process revoke, expire, disable and delete within CREDENTIAL_CHECK_MS, and not its recorded uses', async () => {
    const { backend, done } = await open();
    let now = 0;
    const { store: server, counted } = await openServer(backend, () => now);
    let cli: Store | undefined;
    try {
      cli = await openStore(backend.url);
      await server.tenants.create(tenantRecord('t1'));
      for (const id of ['k1', 'k2', 'k3']) await server.tokens.insert(tokenRecord(id, 't1'));
      for (const id of ['k1', 'k2', 'k3'])
        assert.equal((await server.tokens.findByHash(`hash-${id}`))?.revokedAt, null);

      // Uses recorded elsewhere move nothing: a minute later everything is still served from memory,
      // but for the one look at the counter.
      await cli.tokens.touch('k1', at(100));
      await cli.tokens.listForTenant('t1');
      now += CREDENTIAL_CHECK_MS;
      counted.selects = 0;
      for (const id of ['k1', 'k2', 'k3']) assert.equal((await server.tokens.findByHash(`hash-${id}`))?.id, id);
      assert.equal((await server.tenants.getById('t1'))?.status, 'active');
      assert.equal(counted.selects, 1, 'one look at the generation, no credential read');

      await cli.tokens.revoke('t1', 'k1', at(200));
      await cli.tokens.setExpiry('t1', 'k2', at(300));
      // Within the second the kept rows may still be served (the documented worst case)...
      now += CREDENTIAL_CHECK_MS - 1;
      assert.equal((await server.tokens.findByHash('hash-k1'))?.revokedAt, null);
      // ...and at the end of it they are not.
      now += 1;
      assert.equal((await server.tokens.findByHash('hash-k1'))?.revokedAt, at(200));
      assert.equal((await server.tokens.findByHash('hash-k2'))?.expiresAt, at(300));

      await cli.tenants.setStatus('t1', 'disabled');
      now += CREDENTIAL_CHECK_MS;
      assert.equal((await server.tenants.getById('t1'))?.status, 'disabled');
      await cli.tenants.delete('t1');
      now += CREDENTIAL_CHECK_MS;
      assert.equal(await server.tokens.findByHash('hash-k3'), undefined);
      assert.equal(await server.tenants.getById('t1'), undefined);
    } finally {
      await cli?.close();
      await server.close();
      await done();
    }
  });

  it('keeps rows for CREDENTIAL_CACHE_MS at most, and reads every time while the counter cannot be read', async () => {
    const { backend, done } = await open();
    let now = 0;
    const { store: server, counted } = await openServer(backend, () => now);
    try {
      await server.tenants.create(tenantRecord('t1'));
      await server.tokens.insert(tokenRecord('k1', 't1'));
      await server.tokens.findByHash('hash-k1');
      now += CREDENTIAL_CHECK_MS;
      counted.selects = 0;
      await server.tokens.findByHash('hash-k1');
      assert.equal(counted.selects, 1, 'the look only');
      // The row's own life is on performance.now(), not this clock: CREDENTIAL_CACHE_MS is minutes.
      assert.ok(CREDENTIAL_CACHE_MS >= 60_000);

      // A database whose counter is gone (a failed or undone migration): nothing is kept.
      const other = backend.connect();
      await sql`drop table credential_generation`.execute(other);
      await other.destroy();
      now += CREDENTIAL_CHECK_MS;
      counted.selects = 0;
      for (let i = 0; i < 3; i++) assert.equal((await server.tokens.findByHash('hash-k1'))?.id, 'k1');
      assert.equal(counted.selects, 6, 'each: a failed look, then the token read');
    } finally {
      await server.close();
      await done();
    }
  });
}

/** Tokens and tenants written before 0013 read the same after it, and a revocation then moves the counter. */
function migration(open: () => Promise<{ backend: Backend; schema?: string; done: () => Promise<void> }>) {
  it('keeps the tokens and tenants written before 0013, and counts changes from then on', async () => {
    const { backend, schema, done } = await open();
    try {
      const db = backend.connect();
      try {
        await migrateBefore(db, backend.dialect, '0013', schema);
        const tenant = tenantRecord('t1');
        await db
          .insertInto('tenants')
          .values({ ...tenant, allowed_roles: null })
          .execute();
        const token = tokenRecord('k1', 't1', { lastUsedAt: at(50) });
        await db
          .insertInto('tokens')
          .values({
            id: token.id,
            tenant_id: token.tenantId,
            label: token.label,
            hash: token.hash,
            hint: token.hint,
            created: token.created,
            expires_at: token.expiresAt,
            revoked_at: token.revokedAt,
            last_used_at: token.lastUsedAt,
          })
          .execute();
      } finally {
        await db.destroy();
      }
      const store = await openStore(backend.url);
      try {
        assert.deepEqual(await store.tenants.getById('t1'), tenantRecord('t1'));
        assert.deepEqual(await store.tokens.findByHash('hash-k1'), tokenRecord('k1', 't1', { lastUsedAt: at(50) }));
        assert.deepEqual(await store.tokens.listForTenant('t1'), [tokenRecord('k1', 't1', { lastUsedAt: at(50) })]);
      } finally {
        await store.close();
      }
      const check = backend.connect();
      try {
        const generation = async () =>
          Number(
            (await sql<{ g: string }>`select generation as g from credential_generation`.execute(check)).rows[0]?.g,
          );
        assert.equal(await generation(), 0);
        await sql`update tokens set last_used_at = ${at(500)}`.execute(check);
        assert.equal(await generation(), 0, 'a recorded use is not a credential change');
        await sql`update tokens set revoked_at = ${at(600)}`.execute(check);
        assert.equal(await generation(), 1, 'even a change made by hand in SQL counts');
      } finally {
        await check.destroy();
      }
    } finally {
      await done();
    }
  });
}

describe('credential generation (SQLite)', () => {
  const open = async () => {
    const file = join(directory, `db-${++files}.sqlite`);
    const backend: Backend = {
      dialect: sqliteDialect,
      connect: (observer) => connectSqlite(file, observer as never),
      url: `file:${file}`,
    };
    return { backend, done: async () => undefined };
  };
  revocationAcrossProcesses(open);
  migration(open);
});

describePostgres('credential generation (PostgreSQL)', (baseUrl) => {
  const open = async () => {
    const schema = await createTestSchema(baseUrl);
    const backend: Backend = {
      dialect: postgresDialect,
      connect: (observer) => connectPostgres(schema.url, { observer: observer as never }),
      url: schema.url,
    };
    return { backend, schema: schema.schema, done: () => schema.drop() };
  };
  revocationAcrossProcesses(open);
  migration(open);
});
