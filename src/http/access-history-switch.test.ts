/** SCIMD_HISTORY (docs/history.md): on by default; off records nothing; retention prunes it. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { applyRetention } from '../events/event-services.js';
import { describeEachBackend } from '../store/test-support/backends.js';
import { startHarness } from './test-support/harness.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

describeEachBackend('access history switch and retention', (backend) => {
  for (const history of [true, false]) {
    it(`records ${history ? 'every write' : 'nothing'} with history ${history ? 'on' : 'off'}`, async () => {
      const h = await startHarness({ backend, config: history ? {} : { history: false } });
      try {
        const res = await h.request('POST', '/scim/v2/Users', {
          schemas: [USER],
          userName: 'ann',
          roles: [{ value: 'A' }],
        });
        assert.equal(res.statusCode, 201);
        const id = res.json<{ id: string }>().id;
        const tenantId = (await h.store.tenants.getBySlug('acme'))!.id;
        const kinds = (await h.store.history.timeline(tenantId, id)).map((e) => e.kind);
        assert.deepEqual(kinds, history ? ['created', 'role_granted'] : []);
      } finally {
        await h.close();
      }
    });
  }

  it('the retention pass prunes the history by SCIMD_HISTORY_RETENTION, keeping current states', async () => {
    const h = await startHarness({ backend });
    try {
      const created = await h.request('POST', '/scim/v2/Users', { schemas: [USER], userName: 'ann', title: 'a' });
      const id = created.json<{ id: string }>().id;
      await h.request('PATCH', `/scim/v2/Users/${id}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', path: 'title', value: 'b' }],
      });
      const tenantId = (await h.store.tenants.getBySlug('acme'))!.id;
      const settings = { eventRetentionMs: 86_400_000, logRetentionMs: 86_400_000, logMaxEntries: 1000 };
      const later = new Date(Date.now() + 2 * 86_400_000);
      assert.equal((await applyRetention(h.store, settings, later)).historyRows, undefined);
      const result = await applyRetention(h.store, { ...settings, historyRetentionMs: 86_400_000 }, later);
      assert.equal(result.historyRows, 1);
      assert.deepEqual(
        (await h.store.history.timeline(tenantId, id)).map((e) => e.kind),
        ['created'],
      );
    } finally {
      await h.close();
    }
  });
});
