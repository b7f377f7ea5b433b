/**
 * Concurrency through HTTP, on a SQLite file and on PostgreSQL: real sockets, requests fired
 * together, exact counts. Writes to one tenant are serialised by the store (SQLite's single
 * connection and BEGIN IMMEDIATE; PostgreSQL's per-tenant advisory lock), so nothing is lost,
 * duplicated or answered with a 500.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Harness, startHarness } from '../src/http/test-support/harness.js';
import { type Backend, describeEachBackend } from '../src/store/test-support/backends.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown> | undefined;
  readonly etag: string | null;
}

/** A harness listening on a real socket, and `send`, which goes through it with fetch. */
function withServer(backend: Backend): { send: Send; harness: () => Harness } {
  let h: Harness;
  let base: string;
  before(async () => {
    // SQLite in a file (not in memory), so that overlapping requests meet on disk.
    h = await startHarness({ backend, onDisk: true });
    base = `${await h.app.listen({ host: '127.0.0.1', port: 0 })}/scim/v2`;
  });
  after(() => h?.close());
  const send: Send = async (method, path, body, headers = {}) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${h.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>),
      etag: response.headers.get('etag'),
    };
  };
  return { send, harness: () => h };
}

type Send = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<Reply>;

/** How many replies had each status, e.g. `{ 201: 1, 409: 19 }`. */
function countStatuses(replies: readonly Reply[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const r of replies) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}

const times = <T>(n: number, fn: (i: number) => Promise<T>) => Promise.all(Array.from({ length: n }, (_, i) => fn(i)));

async function create(send: Send, path: string, body: unknown): Promise<string> {
  const reply = await send('POST', path, body);
  assert.equal(reply.status, 201, JSON.stringify(reply.body));
  return String(reply.body?.id);
}

function concurrencySuite(backend: Backend): void {
  describe('concurrency through HTTP', () => {
    const { send, harness } = withServer(backend);

    it('20 identical POST /Users: exactly one 201 and nineteen 409 uniqueness', async () => {
      const replies = await times(20, () => send('POST', '/Users', { schemas: [USER], userName: 'race@example.com' }));
      assert.deepEqual(countStatuses(replies), { 201: 1, 409: 19 });
      for (const r of replies.filter((x) => x.status === 409)) {
        assert.equal(r.body?.scimType, 'uniqueness');
        assert.match(String(r.body?.detail), /race@example\.com/);
      }
      const list = await send('GET', `/Users?filter=${encodeURIComponent('userName eq "RACE@example.com"')}`);
      assert.equal(list.body?.totalResults, 1);
    });

    it('50 PATCHes each adding a different member to one group: all 50 present, 50 version bumps', async () => {
      const groupId = await create(send, '/Groups', { schemas: [GROUP], displayName: 'Everyone' });
      const userIds = await times(50, (i) => create(send, '/Users', { schemas: [USER], userName: `member-${i}` }));
      const replies = await times(50, (i) =>
        send('PATCH', `/Groups/${groupId}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'add', path: 'members', value: [{ value: userIds[i] }] }],
        }),
      );
      assert.deepEqual(countStatuses(replies), { 204: 50 });
      const group = await send('GET', `/Groups/${groupId}`);
      const members = ((group.body?.members ?? []) as { value: string }[]).map((m) => m.value);
      assert.equal(members.length, 50);
      assert.deepEqual([...members].sort(), [...userIds].sort());
      assert.equal(group.etag, 'W/"51"');
    });

    it('concurrent PATCHes of one user with the same If-Match: one wins, the others get 412', async () => {
      const id = await create(send, '/Users', { schemas: [USER], userName: 'contended' });
      const replies = await times(10, (i) =>
        send(
          'PATCH',
          `/Users/${id}`,
          { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: `writer ${i}` }] },
          { 'if-match': 'W/"1"' },
        ),
      );
      assert.deepEqual(countStatuses(replies), { 200: 1, 412: 9 });
      const winner = replies.find((r) => r.status === 200)!;
      const user = await send('GET', `/Users/${id}`);
      assert.equal(user.etag, 'W/"2"');
      assert.equal(user.body?.displayName, winner.body?.displayName);
    });

    it('membership PATCHes racing the group DELETE leave no membership rows behind', async () => {
      const userIds = await times(5, (i) => create(send, '/Users', { schemas: [USER], userName: `racer-${i}` }));
      const tenant = harness().store.forTenant(await tenantIdOf(harness()));
      for (let round = 0; round < 8; round++) {
        const groupId = await create(send, '/Groups', { schemas: [GROUP], displayName: `Doomed ${round}` });
        const add = (i: number) =>
          send('PATCH', `/Groups/${groupId}`, {
            schemas: [PATCH_OP],
            Operations: [{ op: 'add', path: 'members', value: [{ value: userIds[i] }] }],
          });
        const replies = await Promise.all([add(0), add(1), send('DELETE', `/Groups/${groupId}`), add(2), add(3)]);
        assert.equal(replies[2]!.status, 204);
        for (const r of [replies[0]!, replies[1]!, replies[3]!, replies[4]!]) assert.ok([204, 404].includes(r.status));
        assert.deepEqual(await tenant.listMembers(groupId), []);
        assert.equal((await send('GET', `/Groups/${groupId}`)).status, 404);
      }
      for (const id of userIds) {
        assert.deepEqual((await send('GET', `/Users/${id}`)).body?.groups ?? [], []);
      }
    });

    it('a user DELETE racing PATCHes that add it to a group never leaves it a member', async () => {
      const groupId = await create(send, '/Groups', { schemas: [GROUP], displayName: 'Survivors' });
      const tenant = harness().store.forTenant(await tenantIdOf(harness()));
      for (let round = 0; round < 8; round++) {
        const userId = await create(send, '/Users', { schemas: [USER], userName: `leaver-${round}` });
        const add = () =>
          send('PATCH', `/Groups/${groupId}`, {
            schemas: [PATCH_OP],
            Operations: [{ op: 'add', path: 'members', value: [{ value: userId }] }],
          });
        const replies = await Promise.all([add(), send('DELETE', `/Users/${userId}`), add()]);
        assert.equal(replies[1]!.status, 204);
        // After the delete, adding the unknown id is refused (400 invalidValue), never a 500.
        for (const r of [replies[0]!, replies[2]!]) assert.ok([204, 400].includes(r.status), String(r.status));
        const members = await tenant.listMembers(groupId);
        assert.equal(
          members.some((m) => m.value === userId),
          false,
        );
      }
    });
  });
}

async function tenantIdOf(h: Harness): Promise<string> {
  const tenant = await h.store.tenants.getBySlug('acme');
  assert.ok(tenant);
  return tenant.id;
}

describeEachBackend('concurrency', (backend) => concurrencySuite(backend));
