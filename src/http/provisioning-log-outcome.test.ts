import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { invalidFilter, uniqueness } from '../scim/errors.js';
import type { RequestLogEntry } from '../store/events-port.js';
import type { Store } from '../store/store.js';
import { sendScimError } from './errors.js';
import { createProvisioningLog } from './provisioning-log.js';

/** The provisioning log on one scope with routes of its own, over a store that keeps what it is given. */
async function withLog(routes: (scope: import('fastify').FastifyInstance) => void) {
  const app = Fastify({ logger: false });
  const appended: RequestLogEntry[] = [];
  const store = {
    tenants: { getBySlug: async () => ({ id: 'tenant-1' }) },
    requestLog: { append: async (batch: RequestLogEntry[]) => void appended.push(...batch) },
  } as unknown as Store;
  const provisioningLog = createProvisioningLog(store, { maxBodyBytes: 1000 }, app.log);
  await app.register(async (scope) => {
    provisioningLog.register(scope, () => 'acme');
    routes(scope);
  });
  return { app, appended, close: () => provisioningLog.close() };
}

describe('provisioning log: told the outcome, not reading the response text (#14.6)', () => {
  it('takes the scimType from the SCIM error sent and the created id from Location', async () => {
    const { app, appended, close } = await withLog((scope) => {
      scope.post('/Users', async (_request, reply) =>
        // A body that names neither: what counts is what the route told the reply.
        reply.code(201).header('Location', 'https://x/t/acme/scim/v2/Users/a%2Fb%20c').send('created'),
      );
      scope.post('/Groups', async (_request, reply) => sendScimError(reply, uniqueness('displayName taken')));
      scope.get('/Users/:id', async (request, reply) => {
        const { id } = request.params as { id: string };
        return sendScimError(reply, invalidFilter(`not ${id}`));
      });
      // Text that looks like a SCIM error is not one: no scimType was sent.
      scope.get('/Users', async (_request, reply) =>
        reply.code(400).type('application/json').send('{"scimType":"invalidFilter","id":"x"}'),
      );
    });
    await app.inject({ method: 'POST', url: '/Users', payload: {} });
    await app.inject({ method: 'POST', url: '/Groups', payload: {} });
    await app.inject({ method: 'GET', url: '/Users/u-1' });
    await app.inject({ method: 'GET', url: '/Users' });
    await close();
    await app.close();
    assert.deepEqual(
      appended.map((e) => [e.method, e.path, e.status, e.scimType, e.resourceId]),
      [
        ['POST', '/Users', 201, null, 'a/b c'],
        ['POST', '/Groups', 409, 'uniqueness', null],
        ['GET', '/Users/u-1', 400, 'invalidFilter', 'u-1'],
        ['GET', '/Users', 400, null, null],
      ],
    );
  });
});
