import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { RequestLogEntry } from '../store/events-port.js';
import { openStore } from '../store/open.js';
import { createCliSandbox } from './test-support/run-cli.js';

const sandbox = createCliSandbox();
after(() => sandbox.remove());

function entry(tenantId: string, id: string, time: string, overrides: Partial<RequestLogEntry>): RequestLogEntry {
  return {
    id,
    tenantId,
    time,
    method: 'GET',
    path: '/t/acme/scim/v2/Users',
    status: 200,
    scimType: null,
    latencyMs: 3,
    resourceType: 'User',
    resourceId: null,
    idp: 'entra',
    userAgent: 'Azure AD SCIM provisioning',
    requestId: `req-${id}`,
    requestBody: null,
    responseBody: null,
    ...overrides,
  };
}

describe('scimd log: unauthenticated requests and ignored attributes (#12.5, #13.4)', () => {
  it('marks unauthenticated entries, filters them, and shows the ignored attributes of one entry', async () => {
    const { run, databaseUrl } = sandbox.fixture();
    assert.equal((await run(['tenants', 'create', 'acme'])).code, 0);
    const store = await openStore(databaseUrl);
    try {
      const tenantId = (await store.tenants.getBySlug('acme'))!.id;
      await store.requestLog.append([
        entry(tenantId, 'g1', '2024-05-01T11:00:00.000Z', {
          method: 'PUT',
          ignoredAttributes: ['adreses', 'urn:example:custom:2.0:User:badge'],
        }),
        entry(tenantId, 'u1', '2024-05-01T11:30:00.000Z', {
          status: 401,
          idp: null,
          authenticated: false,
          userAgent: 'Azure AD SCIM provisioning (forged?)',
        }),
      ]);
    } finally {
      await store.close();
    }
    const lines = (await run(['log', 'acme'])).stdout.trim().split('\n');
    const cells = lines.map((line) => line.split(/ {2,}/));
    assert.deepEqual(cells[1], [
      '2024-05-01T11:30:00.000Z',
      'GET',
      '/t/acme/scim/v2/Users',
      '401',
      '-',
      '3ms',
      'unauthenticated',
      'u1',
    ]);
    assert.deepEqual(cells[2]!.at(-2), 'entra');
    const only = async (flag: string) =>
      JSON.parse((await run(['log', 'acme', flag, '--json'])).stdout).entries.map((e: { id: string }) => e.id);
    assert.deepEqual(await only('--unauthenticated'), ['u1']);
    assert.deepEqual(await only('--authenticated'), ['g1']);
    const both = await run(['log', 'acme', '--authenticated', '--unauthenticated']);
    assert.equal(both.code, 2);
    const refused = await run(['log', 'acme', '--id', 'u1']);
    assert.match(refused.stdout, /\n {2}auth {8}no: refused before authentication\n/);
    assert.match(refused.stdout, /\n {2}ignored {5}-\n/);
    const genuine = await run(['log', 'acme', '--id', 'g1']);
    assert.match(genuine.stdout, /\n {2}auth {8}yes\n/);
    assert.match(genuine.stdout, /\n {2}ignored {5}adreses, urn:example:custom:2\.0:User:badge\n/);
    const json = JSON.parse((await run(['log', 'acme', '--id', 'g1', '--json'])).stdout);
    assert.deepEqual(
      [json.authenticated, json.ignoredAttributes],
      [true, ['adreses', 'urn:example:custom:2.0:User:badge']],
    );
  });
});
