/**
 * The credential memo of sql/tokens.ts under many tokens: recording one token's use must not
 * make every other token's next request read the database again (it did: touch cleared the memo).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StatementKind } from '../observer-port.js';
import type { Store } from '../store.js';
import { at, tenantRecord, tokenRecord } from '../test-support/fixtures.js';
import { credentialGenerationOf } from './credential-generation.js';
import { openSqlStore } from './sql-store.js';
import { connect, MEMORY } from './sqlite/connect.js';
import { dialect } from './sqlite/dialect.js';

/**
 * An in-memory store whose statements `observer` counts. Its clock for the credential
 * generation stands still, so the generation is looked at once (at the first credential read)
 * and the counts below are the credentials' own.
 */
function openCounted(observer: { statement(kind: StatementKind): void }): Promise<Store> {
  const db = connect(MEMORY, observer as never);
  credentialGenerationOf(db, () => 0);
  return openSqlStore({ db, dialect, capabilities: { sharedAcrossProcesses: false, durable: false } });
}

describe('SQL credential memo', () => {
  it("keeps every other token's row when one token's use is recorded", async () => {
    let selects = 0;
    const observer = { statement: (kind: StatementKind) => void (kind === 'select' && selects++) };
    const store = await openCounted(observer);
    try {
      await store.tenants.create(tenantRecord('t1'));
      const ids = Array.from({ length: 50 }, (_, i) => `k${i}`);
      for (const id of ids) await store.tokens.insert(tokenRecord(id, 't1'));
      for (const id of ids) assert.equal((await store.tokens.findByHash(`hash-${id}`))?.id, id);
      selects = 0;
      // Each token's first use in a minute writes lastUsedAt; the others stay in the memo.
      for (const id of ids) {
        await store.tokens.touch(id, at(100));
        for (const other of ids) assert.equal((await store.tokens.findByHash(`hash-${other}`))?.id, other);
      }
      assert.equal(selects, 0, 'no credential was read again');
      // A revocation still takes effect at once in this process.
      await store.tokens.revoke('t1', 'k7', at(200));
      assert.equal((await store.tokens.findByHash('hash-k7'))?.revokedAt, at(200));
    } finally {
      await store.close();
    }
  });

  it('reads a token and its tenant in one statement when neither is cached, and a tenant change still shows at once', async () => {
    let selects = 0;
    const observer = { statement: (kind: StatementKind) => void (kind === 'select' && selects++) };
    const store = await openCounted(observer);
    try {
      await store.tenants.create(tenantRecord('t1'));
      await store.tokens.insert(tokenRecord('k1', 't1'));
      assert.equal(await store.tokens.findByHash('hash-none'), undefined, 'the one look at the generation');
      selects = 0;
      const token = await store.tokens.findByHash('hash-k1');
      assert.equal(token?.tenantId, 't1');
      assert.deepEqual(await store.tenants.getById('t1'), tenantRecord('t1'));
      assert.equal(selects, 1, 'the tenant came with its token');
      // A tenant changed in this process is read again, not served from what the token brought.
      await store.tenants.setStatus('t1', 'disabled');
      assert.equal((await store.tenants.getById('t1'))?.status, 'disabled');
      // A tenant that no token brought is read on its own.
      selects = 0;
      assert.equal(await store.tenants.getById('nope'), undefined);
      assert.equal(selects, 1);
    } finally {
      await store.close();
    }
  });

  it('records the due uses of many tokens in one statement, each with its first use of the minute', async () => {
    const kinds: StatementKind[] = [];
    const store = await openCounted({ statement: (kind) => void kinds.push(kind) });
    try {
      await store.tenants.create(tenantRecord('t1'));
      const ids = Array.from({ length: 50 }, (_, i) => `k${String(i).padStart(2, '0')}`);
      for (const id of ids) await store.tokens.insert(tokenRecord(id, 't1'));
      kinds.length = 0;
      for (const id of ids) await store.tokens.touch(id, at(100));
      for (const id of ids) await store.tokens.touch(id, at(110));
      assert.deepEqual(kinds, [], 'nothing written yet');
      const listed = await store.tokens.listForTenant('t1');
      assert.deepEqual(
        kinds.filter((kind) => kind === 'update'),
        ['update'],
        'one UPDATE for the 50 tokens',
      );
      assert.deepEqual(
        listed.map((t) => [t.id, t.lastUsedAt]),
        ids.map((id) => [id, at(100)]),
      );
      // Within the minute: nothing more is due; at its end, every token is again.
      kinds.length = 0;
      for (const id of ids) await store.tokens.touch(id, at(159));
      await store.tokens.listForTenant('t1');
      assert.equal(kinds.filter((kind) => kind === 'update').length, 0);
      for (const id of ids) await store.tokens.touch(id, at(160));
      // Closing writes what waits.
    } finally {
      await store.close();
    }
  });
});
