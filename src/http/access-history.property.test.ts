/**
 * Property (docs/history.md): for random sequences of SCIM writes in the shapes Entra ID sends
 * (PATCH with `"active": "False"`, role add/remove on `roles`, PUTs, membership add/remove,
 * group deletes, deactivations, deletes), driven through the whole HTTP stack with a clock the
 * test moves (sometimes not at all, so several writes share a millisecond), the access history's
 * as-of answer for every instant equals what the server returned for every user at that instant.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import fc from 'fast-check';
import { openAccessReport } from '../service/access-report.js';
import type { Store } from '../store/store.js';
import { type Backend, describeEachBackend } from '../store/test-support/backends.js';
import { createTenant, issueToken } from '../tenancy/tenants.js';
import { buildApp } from './app.js';
import { TEST_CONFIG } from './test-support/harness.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ROLES = [{ value: 'Admin' }, { value: 'Reader', display: 'Read only' }, { value: '=Ops', type: 'app' }];

type Command =
  | { kind: 'createUser'; name: number; active: boolean; roles: number[] }
  | { kind: 'putUser'; user: number; name: number; active: boolean; roles: number[] }
  | { kind: 'setActive'; user: number; value: 'True' | 'False' | boolean }
  | { kind: 'rename'; user: number; name: number }
  | { kind: 'addRole'; user: number; role: number }
  | { kind: 'removeRole'; user: number; role: number; entraForm: boolean }
  | { kind: 'deleteUser'; user: number }
  | { kind: 'createGroup'; name: number; members: number[] }
  | { kind: 'addMember'; group: number; user: number }
  | { kind: 'removeMember'; group: number; user: number }
  | { kind: 'putGroup'; group: number; members: number[] }
  | { kind: 'deleteGroup'; group: number };

const pick = fc.nat({ max: 7 });
const roleSet = fc.uniqueArray(fc.nat({ max: ROLES.length - 1 }), { maxLength: 3 });
const members = fc.uniqueArray(pick, { maxLength: 4 });
const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('createUser' as const),
      name: pick,
      active: fc.boolean(),
      roles: roleSet,
    }),
  },
  fc.record({ kind: fc.constant('putUser' as const), user: pick, name: pick, active: fc.boolean(), roles: roleSet }),
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('setActive' as const),
      user: pick,
      value: fc.constantFrom('True' as const, 'False' as const, true, false),
    }),
  },
  fc.record({ kind: fc.constant('rename' as const), user: pick, name: pick }),
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('addRole' as const),
      user: pick,
      role: fc.nat({ max: ROLES.length - 1 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('removeRole' as const),
      user: pick,
      role: fc.nat({ max: ROLES.length - 1 }),
      entraForm: fc.boolean(),
    }),
  },
  fc.record({ kind: fc.constant('deleteUser' as const), user: pick }),
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('createGroup' as const), name: pick, members }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('addMember' as const), group: pick, user: pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('removeMember' as const), group: pick, user: pick }) },
  fc.record({ kind: fc.constant('putGroup' as const), group: pick, members }),
  fc.record({ kind: fc.constant('deleteGroup' as const), group: pick }),
);
const step = fc.record({ command, advanceMs: fc.constantFrom(0, 1, 250, 60_000) });

/** What the server says about one user, in the as-of answer's terms. */
interface Seen {
  readonly userName: string;
  readonly active: boolean;
  readonly roles: string[];
  readonly groups: string[];
}

const roleText = (r: { value: string; display?: string; type?: string }) =>
  JSON.stringify([r.value, r.type ?? null, r.display ?? null]);

describeEachBackend('access history: as-of answers equal what the server returned (property)', (backend: Backend) => {
  let store: Store;
  let now = Date.parse('2026-01-01T00:00:00.000Z');
  let app: Awaited<ReturnType<typeof buildApp>>;
  let run = 0;

  before(async () => {
    store = await backend.openStore();
    app = await buildApp({ config: TEST_CONFIG, store, logger: false, clock: () => new Date(now) });
  });
  after(async () => {
    await app.close();
    await store.close();
  });

  async function scenario(steps: readonly { command: Command; advanceMs: number }[]): Promise<void> {
    const slug = `run-${++run}`;
    await createTenant(store, { slug, name: slug }, new Date(now));
    const { token } = await issueToken(store, slug, {}, new Date(now));
    const send = async (method: string, path: string, body?: unknown) => {
      const res = await app.inject({
        method: method as 'GET',
        url: `/t/${slug}/scim/v2${path}`,
        headers: {
          authorization: `Bearer ${token}`,
          'user-agent': 'Azure AD SCIM provisioning',
          ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
        },
        ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
      });
      assert.ok(res.statusCode < 500, `${method} ${path}: ${res.statusCode} ${res.body}`);
      return res;
    };
    let users: string[] = [];
    let groups: string[] = [];
    const user = (i: number) => users[i % Math.max(1, users.length)];
    const group = (i: number) => groups[i % Math.max(1, groups.length)];
    const patch = (...Operations: unknown[]) => ({ schemas: [PATCH], Operations });
    const seenAt = new Map<string, Map<string, Seen>>();

    for (const { command: c, advanceMs } of steps) {
      now += advanceMs;
      switch (c.kind) {
        case 'createUser':
          await send('POST', '/Users', {
            schemas: [USER],
            userName: `user${c.name}@example.com`,
            active: c.active,
            roles: c.roles.map((r) => ROLES[r]),
          });
          break;
        case 'putUser':
          if (user(c.user))
            await send('PUT', `/Users/${user(c.user)}`, {
              schemas: [USER],
              userName: `user${c.name}@example.com`,
              active: c.active,
              roles: c.roles.map((r) => ROLES[r]),
            });
          break;
        case 'setActive':
          if (user(c.user)) {
            const res = await send(
              'PATCH',
              `/Users/${user(c.user)}`,
              patch({ op: 'Replace', path: 'active', value: c.value }),
            );
            assert.equal(res.statusCode, 200, res.body);
          }
          break;
        case 'rename':
          if (user(c.user))
            await send(
              'PATCH',
              `/Users/${user(c.user)}`,
              patch({ op: 'Replace', path: 'userName', value: `user${c.name}@example.com` }),
            );
          break;
        case 'addRole':
          if (user(c.user))
            await send('PATCH', `/Users/${user(c.user)}`, patch({ op: 'Add', path: 'roles', value: [ROLES[c.role]] }));
          break;
        case 'removeRole':
          if (user(c.user)) {
            const role = ROLES[c.role]!;
            await send(
              'PATCH',
              `/Users/${user(c.user)}`,
              c.entraForm
                ? patch({ op: 'Remove', path: 'roles', value: [role] })
                : patch({ op: 'remove', path: `roles[value eq "${role.value}"]` }),
            );
          }
          break;
        case 'deleteUser':
          if (user(c.user)) await send('DELETE', `/Users/${user(c.user)}`);
          break;
        case 'createGroup':
          await send('POST', '/Groups', {
            schemas: [GROUP],
            displayName: `Group ${c.name}`,
            members: [...new Set(c.members.map(user).filter((id) => id !== undefined))].map((value) => ({ value })),
          });
          break;
        case 'addMember':
          if (group(c.group) && user(c.user))
            await send(
              'PATCH',
              `/Groups/${group(c.group)}`,
              patch({ op: 'Add', path: 'members', value: [{ value: user(c.user) }] }),
            );
          break;
        case 'removeMember':
          if (group(c.group) && user(c.user))
            await send(
              'PATCH',
              `/Groups/${group(c.group)}`,
              patch({ op: 'Remove', path: 'members', value: [{ value: user(c.user) }] }),
            );
          break;
        case 'putGroup':
          if (group(c.group))
            await send('PUT', `/Groups/${group(c.group)}`, {
              schemas: [GROUP],
              displayName: `Group put ${c.group}`,
              members: [...new Set(c.members.map(user).filter((id) => id !== undefined))].map((value) => ({ value })),
            });
          break;
        case 'deleteGroup':
          if (group(c.group)) await send('DELETE', `/Groups/${group(c.group)}`);
          break;
      }
      // What the server returns now, for every user; a later write at the same instant wins.
      const list = (await send('GET', '/Users?count=200')).json<{ Resources: Record<string, unknown>[] }>().Resources;
      const seen = new Map<string, Seen>();
      for (const u of list) {
        seen.set(String(u['id']), {
          userName: String(u['userName']),
          active: u['active'] !== false,
          roles: ((u['roles'] ?? []) as { value: string }[]).map(roleText).sort(),
          groups: ((u['groups'] ?? []) as { value: string }[]).map((g) => g.value).sort(),
        });
      }
      seenAt.set(new Date(now).toISOString(), seen);
      users = [...seen.keys()];
      groups = (await send('GET', '/Groups?count=200&attributes=id'))
        .json<{ Resources: { id: string }[] }>()
        .Resources.map((g) => g.id);
    }

    for (const [instant, seen] of seenAt) {
      const report = await openAccessReport(store, slug, { asOf: instant, includeInactive: true });
      const answered = new Map<string, Seen>();
      for await (const s of report.users) {
        answered.set(s.userId, {
          userName: s.userName,
          active: s.active,
          roles: s.roles.map(roleText).sort(),
          groups: s.groups.map((g) => g.id).sort(),
        });
      }
      assert.deepEqual(answered, seen, `as of ${instant}`);
    }
  }

  it('holds for random Entra-shaped write sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 4, maxLength: 25 }), (steps) => scenario(steps)),
      { numRuns: 25 },
    );
  });
});
