/**
 * The many-tenant benchmark's bulk seeding (bench/seed/tenants.ts, bench/seed/scimd.ts) makes
 * tenants scimd itself can serve: every tenant's own token authenticates to that tenant and to no
 * other, and each tenant holds exactly its directory (no spare users), on SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { seedPostgresTenants, seedSqliteTenants } from '../../bench/seed/scimd.js';
import { type BenchTenant, seedPostgresTenantRows, seedSqliteTenantRows } from '../../bench/seed/tenants.js';
import { openStore } from '../../src/store/open.js';
import { createTestSchema, describePostgres } from '../../src/store/test-support/postgres.js';
import { hashToken } from '../../src/tenancy/tokens.js';

const TENANTS = 30;
const USERS = 20;

async function check(url: string, tenants: readonly BenchTenant[]): Promise<void> {
  assert.equal(tenants.length, TENANTS);
  assert.equal(new Set(tenants.map((t) => t.token)).size, TENANTS, 'each tenant has a token of its own');
  const store = await openStore(url);
  try {
    for (const tenant of tenants) {
      const token = await store.tokens.findByHash(hashToken(tenant.token));
      assert.equal(token?.tenantId, tenant.id);
      assert.equal((await store.tenants.getById(tenant.id))?.slug, tenant.slug);
      const users = await store.forTenant(tenant.id).query('User', { startIndex: 1, count: 0 });
      assert.equal(users.totalResults, USERS);
      const groups = await store.forTenant(tenant.id).query('Group', { startIndex: 1, count: 0 });
      assert.equal(groups.totalResults, USERS / 10, 'the groups of 10');
    }
  } finally {
    await store.close();
  }
}

describe('many-tenant bench seeding (SQLite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scimd-bench-seed-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it(`seeds ${TENANTS} tenants × ${USERS} users that scimd serves`, async () => {
    const file = join(dir, 'tenants.db');
    const tenants = await seedSqliteTenantRows(file, TENANTS);
    seedSqliteTenants(
      file,
      tenants.map((t) => t.id),
      USERS,
      { spares: false },
    );
    await check(`file:${file}`, tenants);
  });
});

describePostgres('many-tenant bench seeding (PostgreSQL)', (baseUrl) => {
  it(`seeds ${TENANTS} tenants × ${USERS} users that scimd serves`, async () => {
    const schema = await createTestSchema(baseUrl);
    try {
      const tenants = await seedPostgresTenantRows(schema.url, TENANTS);
      await seedPostgresTenants(
        schema.url,
        tenants.map((t) => t.id),
        USERS,
        { spares: false },
      );
      await check(schema.url, tenants);
    } finally {
      await schema.drop();
    }
  });
});
