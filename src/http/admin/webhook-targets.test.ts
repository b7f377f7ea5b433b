import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { INTERNAL_TARGETS, PUBLIC_TARGETS } from '../../events/test-support/internal-targets.js';
import { describeEachBackend } from '../../store/test-support/backends.js';
import { generateAdminToken } from '../../tenancy/admin-token.js';
import { type Harness, startHarness } from '../test-support/harness.js';

const admin = generateAdminToken();
const auth = { authorization: `Bearer ${admin.token}` };
const refusal = (url: string, reason: string) =>
  `webhook URL ${JSON.stringify(url)} refused: ${reason}; scimd does not send webhooks into internal networks unless SCIMD_WEBHOOK_ALLOW_TARGETS lists the receiver`;

describeEachBackend('admin API: webhook targets inside the network (#12.6)', (backend) => {
  let h: Harness;
  const call = (method: string, path: string, body?: unknown) => h.request(method, `/admin/v1${path}`, body, auth);

  before(async () => {
    h = await startHarness({ backend, config: { adminTokenHash: admin.hash } });
  });
  after(() => h.close());

  it(`POST and PATCH refuse all ${INTERNAL_TARGETS.length} internal URL forms with 400 and the reason`, async () => {
    const created = await call('POST', '/webhooks', { url: 'https://hooks.example.com/x' });
    assert.equal(created.statusCode, 201);
    const { id } = created.json<{ webhook: { id: string } }>().webhook;
    for (const [url, reason] of INTERNAL_TARGETS) {
      const posted = await call('POST', '/webhooks', { url, tenant: 'acme' });
      assert.deepEqual(
        [posted.statusCode, posted.json()],
        [400, { error: 'bad_request', detail: refusal(url, reason) }],
      );
      const patched = await call('PATCH', `/webhooks/${id}`, { url });
      assert.deepEqual(
        [patched.statusCode, patched.json()],
        [400, { error: 'bad_request', detail: refusal(url, reason) }],
      );
    }
    const listed = (await call('GET', '/webhooks')).json<{ webhooks: { url: string }[] }>().webhooks;
    assert.deepEqual(
      listed.map((w) => w.url),
      ['https://hooks.example.com/x'],
    );
    for (const url of PUBLIC_TARGETS)
      assert.equal((await call('PATCH', `/webhooks/${id}`, { url })).statusCode, 200, url);
    assert.equal((await call('DELETE', `/webhooks/${id}`)).statusCode, 200);
  });

  it('accepts an internal receiver the allow list names', async () => {
    const allowing = await startHarness({
      backend,
      config: { adminTokenHash: admin.hash, webhookAllowTargets: ['10.0.0.0/8', 'metadata.google.internal'] },
    });
    try {
      const post = (url: string) => allowing.request('POST', '/admin/v1/webhooks', { url }, auth);
      assert.equal((await post('http://10.0.0.1/x')).statusCode, 201);
      assert.equal((await post('http://metadata.google.internal/x')).statusCode, 201);
      const refused = await post('http://192.168.1.1/x');
      assert.deepEqual(refused.json(), {
        error: 'bad_request',
        detail: refusal('http://192.168.1.1/x', '192.168.1.1 is a private address (192.168.0.0/16)'),
      });
    } finally {
      await allowing.close();
    }
  });
});
