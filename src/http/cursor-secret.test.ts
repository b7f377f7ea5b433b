import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { describeEachBackend } from '../store/test-support/backends.js';
import { buildApp } from './app.js';
import { type Harness, scimError, startHarness, TEST_CONFIG } from './test-support/harness.js';

const SECRET = 'a'.repeat(64);
const OTHER_SECRET = 'b'.repeat(64);
const REFUSED = scimError(
  400,
  'invalidCursor',
  'The cursor is not one this server issued for this tenant; request the first page again with an empty cursor.',
);

describeEachBackend('SCIMD_CURSOR_SECRET signs cursors for every process that shares it (#14.6)', (backend) => {
  let h: Harness;
  const others: FastifyInstance[] = [];
  let cursor: string;

  /** Another scimd process on the same database, with its own secret (or none). */
  async function processWith(cursorSecret: string | undefined): Promise<FastifyInstance> {
    const config = { ...TEST_CONFIG, ...(cursorSecret !== undefined ? { cursorSecret } : {}) };
    const app = await buildApp({ config, store: h.store, logger: false, clock: () => new Date() });
    others.push(app);
    return app;
  }

  async function nextPage(app: FastifyInstance) {
    const response = await app.inject({
      method: 'GET',
      url: `/scim/v2/Users?sortBy=userName&count=1&cursor=${encodeURIComponent(cursor)}`,
      headers: { authorization: `Bearer ${h.token}` },
    });
    return { status: response.statusCode, body: response.json() as Record<string, unknown> };
  }

  before(async () => {
    h = await startHarness({ backend, config: { cursorSecret: SECRET } });
    for (const userName of ['ann', 'bob', 'cy']) {
      assert.equal((await h.request('POST', '/scim/v2/Users', { userName })).statusCode, 201);
    }
    const first = await h.request('GET', '/scim/v2/Users?sortBy=userName&count=1&cursor=');
    cursor = String(first.json().nextCursor);
  });
  after(async () => {
    for (const app of others) await app.close();
    await h.close();
  });

  it('is accepted by the process that issued it and by another with the same secret', async () => {
    for (const app of [h.app, await processWith(SECRET)]) {
      const page = await nextPage(app);
      assert.equal(page.status, 200);
      assert.deepEqual(
        (page.body.Resources as { userName: string }[]).map((u) => u.userName),
        ['bob'],
      );
    }
  });

  it('is refused with 400 invalidCursor by a process with another secret or none', async () => {
    for (const secret of [OTHER_SECRET, undefined]) {
      const page = await nextPage(await processWith(secret));
      assert.deepEqual(page, { status: 400, body: REFUSED });
    }
  });
});
