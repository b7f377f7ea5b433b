import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RequestLogEntry } from '../store/events-port.js';
import { createMemoryStore } from '../store/memory/store.js';
import type { Store, TenantRecord } from '../store/store.js';
import { describeEachBackend } from '../store/test-support/backends.js';
import { CONTACT_WINDOW, connectionStatus, FAILURE_COUNT_CAP, idpName } from './connection-status.js';
import { createTenant } from './tenants.js';

const NOW = new Date('2024-05-02T12:00:00.000Z');
const at = (hoursAgo: number, ms = 0) => new Date(NOW.getTime() - hoursAgo * 3_600_000 + ms).toISOString();

let next = 0;
function entry(tenantId: string, time: string, fields: Partial<RequestLogEntry> = {}): RequestLogEntry {
  next++;
  return {
    id: `e${String(next).padStart(6, '0')}`,
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
    requestId: `r${next}`,
    requestBody: null,
    responseBody: null,
    ...fields,
  };
}

const unauthorized = { status: 401, idp: null, userAgent: null, authenticated: false } as const;

function suite(open: () => Promise<Store>): void {
  let store: Store;
  let acme: TenantRecord;
  let other: TenantRecord;
  before(async () => {
    store = await open();
    acme = await createTenant(store, { slug: 'acme' }, new Date(at(100)));
    other = await createTenant(store, { slug: 'other' }, new Date(at(100)));
  });
  after(() => store.close());

  it('is empty before the first request', async () => {
    const fresh = await createTenant(store, { slug: 'fresh' }, NOW);
    assert.deepEqual(await connectionStatus(store, fresh, NOW), {
      firstContact: null,
      lastContact: null,
      users: 0,
      groups: 0,
      lastSync: null,
      recentFailures: [],
      failuresLast24h: 0,
    });
  });

  it('reports first and last contact, counts, last sync and failures of the tenant only', async () => {
    const entries = [
      entry(acme.id, at(50), unauthorized), // before the first authenticated request
      entry(acme.id, at(48), { idp: 'okta', userAgent: 'Okta SCIM Client 1.0.0' }),
      entry(acme.id, at(30), { method: 'POST', status: 201, resourceId: 'u1' }),
      entry(acme.id, at(20), { method: 'PATCH', status: 400, scimType: 'invalidValue' }), // not a sync
      entry(acme.id, at(10), { method: 'DELETE', status: 204 }),
      entry(acme.id, at(5), { method: 'PUT', status: 409, scimType: 'uniqueness' }),
      entry(acme.id, at(3), unauthorized),
      entry(acme.id, at(2), { status: 404 }),
      entry(acme.id, at(1), { idp: null, userAgent: 'curl/8.0' }),
      entry(acme.id, at(0.5), unauthorized),
      entry(other.id, at(0.1), { status: 500, method: 'POST' }),
    ];
    await store.requestLog.append(entries);
    await store.forTenant(acme.id).transaction(async (tx) => {
      for (const [i, userName] of ['ann', 'bob', 'cy'].entries()) {
        await tx.insertResource({
          id: `u${i}`,
          resourceType: 'User',
          body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName },
          now: at(30),
        });
      }
      await tx.insertResource({
        id: 'g1',
        resourceType: 'Group',
        body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Sales' },
        now: at(30),
      });
    });
    const status = await connectionStatus(store, acme, NOW);
    assert.deepEqual(status.firstContact, { time: at(48), idp: 'okta', idpName: 'Okta' });
    assert.deepEqual(status.lastContact, { time: at(1), idp: null, idpName: 'a SCIM client' });
    assert.equal(status.users, 3);
    assert.equal(status.groups, 1);
    assert.equal(status.lastSync, at(10));
    assert.deepEqual(
      status.recentFailures.map((e) => [e.time, e.status, e.authenticated]),
      [
        [at(0.5), 401, false],
        [at(2), 404, true],
        [at(3), 401, false],
        [at(5), 409, true],
        [at(20), 400, true],
      ],
    );
    assert.equal(status.recentFailures[3]!.scimType, 'uniqueness');
    // 20 h ago and newer: 401, 404, 401, 409, 400 (the 401 at 50 h is older than a day).
    assert.equal(status.failuresLast24h, 5);
    assert.equal((await connectionStatus(store, other, NOW)).failuresLast24h, 1);
    assert.equal((await connectionStatus(store, other, NOW)).lastSync, null, 'a failed write is no sync');
  });

  it('looks for the first contact among the newest CONTACT_WINDOW entries and caps the failure count', async () => {
    const busy = await createTenant(store, { slug: 'busy' }, NOW);
    const many = Array.from({ length: FAILURE_COUNT_CAP + 1 }, (_, i) =>
      entry(busy.id, at(23, i), { status: 429, method: 'PATCH' }),
    );
    await store.requestLog.append([entry(busy.id, at(40), { method: 'POST', status: 201 }), ...many]);
    const status = await connectionStatus(store, busy, NOW);
    assert.equal(status.failuresLast24h, FAILURE_COUNT_CAP);
    assert.equal(status.recentFailures.length, 5);
    assert.equal(status.recentFailures[0]!.time, at(23, FAILURE_COUNT_CAP));
    assert.equal(CONTACT_WINDOW, 1000);
    // 1,002 authenticated entries: the POST 40 h ago and the oldest 429 fall outside the window.
    assert.equal(status.firstContact?.time, at(23, 1));
    assert.equal(status.lastContact?.time, at(23, FAILURE_COUNT_CAP));
    assert.equal(status.lastSync, null);
  });
}

describe('connection status (memory)', () => suite(async () => createMemoryStore()));
describeEachBackend('connection status', (backend) => suite(() => backend.openStore()));

describe('idpName', () => {
  it('names the identity providers the log guesses', () => {
    assert.equal(idpName('entra'), 'Microsoft Entra ID');
    assert.equal(idpName('okta'), 'Okta');
    assert.equal(idpName('onelogin'), 'a SCIM client');
    assert.equal(idpName(null), 'a SCIM client');
  });
});
