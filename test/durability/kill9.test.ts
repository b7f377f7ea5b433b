/**
 * kill -9 durability (issue #12, item 10): a real `scimd serve` process on each backend takes a
 * burst of concurrent writes (creates, PATCHes, member adds), is killed with SIGKILL in the
 * middle of it, and is started again on the same database. Then every acknowledged write (a 2xx
 * received) is there with its change event, the tenant's events are numbered 1…n without gaps,
 * and nothing is half-applied: every user's state is what its last event says, every membership
 * is what the member events say, and every event's change is in the data.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { openStore } from '../../src/store/open.js';
import { type Backend, describeEachBackend, type Site } from '../../src/store/test-support/backends.js';
import { hashAdminToken } from '../../src/tenancy/admin-token.js';
import { createTenant, issueToken } from '../../src/tenancy/tenants.js';
import { killHard, type ServerProcess, startServerProcess, stopServerProcess } from '../support/server-process.js';

const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const CORE_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
/** Writers in flight at once, and how many acknowledged writes come before the kill. */
const WORKERS = 8;
const KILL_AFTER_ACKS = Number(process.env.SCIMD_KILL9_ACKS ?? 150);

interface Write {
  readonly kind: 'create' | 'title' | 'member';
  readonly userName: string;
  /** The user's id (for a create: once acknowledged). */
  userId?: string;
  readonly title?: string;
  readonly groupId?: string;
  acked: boolean;
}

interface FeedEvent {
  seq: number;
  type: string;
  data: { id: string; resource: Record<string, unknown>; member?: { value: string } };
}

describeEachBackend('kill -9 during a write burst', (backend: Backend) => {
  let site: Site;
  let server: ServerProcess | undefined;
  let token: string;
  const adminToken = randomBytes(24).toString('hex');
  const adminHash = { SCIMD_ADMIN_TOKEN_HASH: `sha256:${hashAdminToken(adminToken)}` };
  const writes: Write[] = [];
  const groups: string[] = [];
  let inFlightAtKill = 0;

  const send = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${server!.url}/t/acme/scim/v2${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> };
  };

  before(async () => {
    site = await backend.provision();
    const store = await openStore(site.databaseUrl);
    try {
      await createTenant(store, { slug: 'acme', name: 'Acme' }, new Date());
      token = (await issueToken(store, 'acme', {}, new Date())).token;
    } finally {
      await store.close();
    }
    server = await startServerProcess(site.databaseUrl, adminHash);
    for (const name of ['kill9 a', 'kill9 b']) {
      const created = await send('POST', '/Groups', { schemas: [CORE_GROUP], displayName: name });
      assert.equal(created.status, 201);
      groups.push(String(created.body.id));
    }
  });

  after(async () => {
    await stopServerProcess(server);
    await site?.dispose();
  });

  it(`SIGKILLs the server after ${KILL_AFTER_ACKS} acknowledged writes of a concurrent burst`, async () => {
    let acked = 0;
    let inFlight = 0;
    let killed: Promise<void> | undefined;
    const victim = server!;
    const attempt = async (write: Write, request: () => Promise<{ status: number; body: Record<string, unknown> }>) => {
      writes.push(write);
      inFlight++;
      try {
        const response = await request();
        if (response.status >= 200 && response.status < 300) {
          write.acked = true;
          if (write.kind === 'create') write.userId = String(response.body.id);
          acked++;
        } else {
          assert.fail(`${write.kind} answered ${response.status}: ${JSON.stringify(response.body)}`);
        }
      } catch (error) {
        // Refused, reset or aborted by the kill: not acknowledged. Anything else is a failure.
        if (killed === undefined) throw error;
      } finally {
        inFlight--;
      }
      if (acked >= KILL_AFTER_ACKS && killed === undefined) {
        inFlightAtKill = inFlight;
        killed = killHard(victim);
      }
      return write.acked;
    };
    const worker = async (w: number) => {
      for (let k = 0; killed === undefined; k++) {
        const userName = `w${w}-${k}@kill9.example`;
        const create: Write = { kind: 'create', userName, acked: false };
        const ok = await attempt(create, () =>
          send('POST', '/Users', { schemas: [CORE_USER], userName, title: 'new' }),
        );
        if (!ok || killed !== undefined) break;
        const id = create.userId!;
        for (let t = 0; t < 2 && killed === undefined; t++) {
          const title = `t${t}-${userName}`;
          await attempt({ kind: 'title', userName, userId: id, title, acked: false }, () =>
            send('PATCH', `/Users/${id}`, {
              schemas: [PATCH_OP],
              Operations: [{ op: 'replace', path: 'title', value: title }],
            }),
          );
        }
        const groupId = groups[k % groups.length]!;
        if (killed !== undefined) break;
        await attempt({ kind: 'member', userName, userId: id, groupId, acked: false }, () =>
          send('PATCH', `/Groups/${groupId}`, {
            schemas: [PATCH_OP],
            Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }],
          }),
        );
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
    await killed;
    assert.ok(killed !== undefined, 'the server was killed');
    assert.equal(victim.child.signalCode, 'SIGKILL');
    assert.ok(inFlightAtKill > 0, 'writes were in flight when the server was killed');
    console.log(
      `kill -9 on ${backend.name}: ${acked} acknowledged, ${inFlightAtKill} in flight at the kill, ${writes.length - acked} unacknowledged`,
    );
    server = await startServerProcess(site.databaseUrl, adminHash);
  });

  it('has every acknowledged write, each with its event, events numbered 1…n without gaps, nothing half-applied', async () => {
    // The whole feed, page by page.
    const events: FeedEvent[] = [];
    for (let after = ''; ; ) {
      const response = await fetch(
        `${server!.url}/admin/v1/tenants/acme/events?limit=1000${after ? `&after=${after}` : ''}`,
        {
          headers: { authorization: `Bearer ${adminToken}` },
        },
      );
      assert.equal(response.status, 200);
      const page = (await response.json()) as { events: FeedEvent[]; nextCursor: string };
      if (page.events.length === 0) break;
      events.push(...page.events);
      after = page.nextCursor;
    }
    assert.deepEqual(
      events.map((e) => e.seq),
      Array.from({ length: events.length }, (_, i) => i + 1),
      'events are numbered 1…n without gaps',
    );

    const users = await send('GET', '/Users?count=1000&attributes=userName,title');
    const current = new Map(
      (users.body.Resources as { id: string; userName: string; title?: string }[]).map((u) => [u.id, u]),
    );
    assert.equal(users.body.totalResults, current.size, 'one page holds every user');

    const problems: string[] = [];
    const byUser = new Map<string, FeedEvent[]>();
    for (const event of events) {
      if (!event.type.startsWith('user.')) continue;
      byUser.set(event.data.id, [...(byUser.get(event.data.id) ?? []), event]);
    }

    // Every acknowledged write is there, with its event.
    for (const write of writes.filter((w) => w.acked)) {
      const user = current.get(write.userId!);
      if (user === undefined) {
        problems.push(`acknowledged ${write.kind} of ${write.userName}: the user is gone`);
        continue;
      }
      const own = byUser.get(write.userId!) ?? [];
      if (write.kind === 'create' && !own.some((e) => e.type === 'user.created')) {
        problems.push(`acknowledged create of ${write.userName}: no user.created event`);
      }
      if (write.kind === 'title') {
        // The title is this one or one written after it (acknowledged or not): writes of one
        // user are sequential in the burst.
        const later = writes.filter((w) => w.kind === 'title' && w.userId === write.userId);
        const allowed = later.slice(later.indexOf(write)).map((w) => w.title);
        if (!allowed.includes(user.title))
          problems.push(`acknowledged title ${write.title}: the user has ${user.title}`);
        if (!own.some((e) => e.type === 'user.updated' && e.data.resource.title === write.title)) {
          problems.push(`acknowledged title ${write.title}: no user.updated event with it`);
        }
      }
      if (write.kind === 'member') {
        const memberEvent = events.some(
          (e) =>
            e.type === 'group.member_added' && e.data.id === write.groupId && e.data.member?.value === write.userId,
        );
        if (!memberEvent) problems.push(`acknowledged member add of ${write.userName}: no group.member_added event`);
      }
    }

    // Nothing half-applied: each user's state is its last event's, and each event's user exists.
    for (const [id, user] of current) {
      const own = byUser.get(id) ?? [];
      if (!own.some((e) => e.type === 'user.created'))
        problems.push(`${user.userName} exists without a user.created event`);
      const last = own.at(-1);
      if (last !== undefined && last.data.resource.title !== user.title) {
        problems.push(
          `${user.userName} has title ${user.title} but its last event says ${String(last.data.resource.title)}`,
        );
      }
    }
    for (const id of byUser.keys()) if (!current.has(id)) problems.push(`events for user ${id}, who does not exist`);

    // Memberships are exactly what the member events say.
    for (const groupId of groups) {
      const group = await send('GET', `/Groups/${groupId}`);
      const members = ((group.body.members as { value: string }[] | undefined) ?? []).map((m) => m.value).sort();
      const added = events
        .filter((e) => e.type === 'group.member_added' && e.data.id === groupId)
        .map((e) => e.data.member!.value);
      assert.deepEqual(members, [...added].sort(), `the members of group ${groupId} are those of its member events`);
      for (const write of writes.filter((w) => w.kind === 'member' && w.groupId === groupId && w.acked)) {
        if (!members.includes(write.userId!))
          problems.push(`acknowledged member add of ${write.userName}: not a member`);
      }
    }
    assert.deepEqual(problems, []);
    assert.ok(writes.filter((w) => w.acked).length >= KILL_AFTER_ACKS);
  });
});
