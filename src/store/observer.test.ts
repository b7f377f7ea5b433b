import assert from 'node:assert/strict';
import { it } from 'node:test';
import { CompiledQuery } from 'kysely';
import { createTenant } from '../tenancy/tenants.js';
import type { PoolUse, StatementKind, StoreObserver } from './observer-port.js';
import { statementKind } from './sql/statement-log.js';
import { describeEachBackend } from './test-support/backends.js';

/** An observer that keeps what it is told. */
function recorder() {
  const statements: { kind: StatementKind; seconds: number; failed: boolean }[] = [];
  let pool: (() => PoolUse) | undefined;
  const observer: StoreObserver = {
    statement: (kind, seconds, failed) => statements.push({ kind, seconds, failed }),
    pool: (read) => {
      pool = read;
    },
  };
  return { observer, statements, pool: () => pool };
}

it('statement kinds: from the Kysely node, or the first keyword of raw SQL', () => {
  const raw = (text: string) => statementKind(CompiledQuery.raw(text));
  assert.deepEqual(
    ['select 1', ' WITH x AS (select 1) select * from x', 'insert into t values (1)', 'UPDATE t set a = 1'].map(raw),
    ['select', 'select', 'insert', 'update'],
  );
  assert.deepEqual(
    ['delete from t', 'begin', 'BEGIN IMMEDIATE', 'commit', 'rollback', 'savepoint a', 'pragma x', 'vacuum', ''].map(
      raw,
    ),
    ['delete', 'transaction', 'transaction', 'transaction', 'transaction', 'transaction', 'other', 'other', 'other'],
  );
  assert.equal(statementKind({ ...CompiledQuery.raw('x'), query: { kind: 'DeleteQueryNode' } } as never), 'delete');
});

describeEachBackend('store observer', (backend) => {
  it('is told every statement with its kind and duration, failures included', async () => {
    const seen = recorder();
    const store = await backend.openStore({ observer: seen.observer });
    try {
      seen.statements.length = 0;
      await createTenant(store, { slug: 'acme', name: 'Acme' }, new Date('2026-01-01T00:00:00Z'));
      await store.tenants.getBySlug('acme');
      const kinds = new Set(seen.statements.map((s) => s.kind));
      assert.ok(kinds.has('insert'), [...kinds].join());
      assert.ok(kinds.has('select'), [...kinds].join());
      assert.ok(seen.statements.every((s) => s.seconds >= 0 && s.seconds < 10 && !s.failed));
      // A statement the database refuses is reported as failed.
      const before = seen.statements.length;
      await assert.rejects(store.tenants.create({ ...(await store.tenants.getBySlug('acme'))! }));
      assert.ok(seen.statements.slice(before).some((s) => s.failed && s.kind === 'insert'));
    } finally {
      await store.close();
    }
  });

  it(backend.name === 'postgres' ? 'hands over the pool, whose use it reads' : 'has no pool to hand over', async () => {
    const seen = recorder();
    const store = await backend.openStore({ observer: seen.observer });
    try {
      await store.ping();
      const read = seen.pool();
      if (backend.name === 'postgres') {
        assert.ok(read !== undefined);
        const use = read();
        assert.ok(use.total >= 1, JSON.stringify(use));
        assert.ok(use.idle <= use.total && use.waiting === 0, JSON.stringify(use));
      } else {
        assert.equal(read, undefined);
      }
    } finally {
      await store.close();
    }
  });
});
