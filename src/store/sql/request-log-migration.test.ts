/** Migration 0004-request-log-apart on a database holding entries written before it (#12.5, #13.4). */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openStore } from '../open.js';
import { connect } from './sqlite/connect.js';
import { dialect } from './sqlite/dialect.js';
import { migrateBefore } from './test-support/migrate-before.js';

const dir = mkdtempSync(join(tmpdir(), 'scimd-migration-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('migration 0004-request-log-apart', () => {
  it('marks the 401 entries written before it as unauthenticated, without an IdP, and the others as they were', async () => {
    const file = join(dir, 'old.db');
    const db = connect(file);
    await migrateBefore(db, dialect, '0004');
    await db
      .insertInto('tenants' as never)
      .values({ id: 't1', slug: 'acme', name: 'Acme', status: 'active', created: '2024-01-01T00:00:00.000Z' } as never)
      .execute();
    const row = (id: string, status: number) => ({
      id,
      tenant_id: 't1',
      time: `2024-01-01T00:00:0${id.length}.000Z`,
      method: 'GET',
      path: '/t/acme/scim/v2/Users',
      status,
      scim_type: null,
      latency_ms: 1,
      resource_type: 'User',
      resource_id: null,
      idp: 'entra',
      user_agent: 'Azure AD SCIM provisioning',
      request_id: `req-${id}`,
      request_body: null,
      response_body: null,
    });
    await db
      .insertInto('request_log' as never)
      .values([row('ok', 200), row('denied', 401)] as never)
      .execute();
    await db.destroy();

    const store = await openStore(`file:${file}`);
    try {
      const ok = await store.requestLog.get('t1', 'ok');
      const denied = await store.requestLog.get('t1', 'denied');
      assert.deepEqual([ok?.authenticated, ok?.idp, ok?.ignoredAttributes], [true, 'entra', []]);
      assert.deepEqual([denied?.authenticated, denied?.idp, denied?.ignoredAttributes], [false, null, []]);
    } finally {
      await store.close();
    }
  });
});
