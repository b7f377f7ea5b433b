/**
 * Round trips to PostgreSQL per SCIM request (issue #18.1), counted at the driver: every
 * `pg.Client#query` is one round trip, whatever it holds. Each write holds its tenant's lock
 * from BEGIN to COMMIT, so its round trips are also how long other writers of the tenant wait.
 *
 * EXPECTED is the budget per request type. A change that adds a statement to a request's path
 * fails here with the statements it now runs; if the addition is wanted, raise the number and
 * say why in the same change (docs/postgres.md, "Round trips per request", keeps the table).
 * Statements of the provisioning log, health rollups, the outbox dispatcher and the access
 * history's projector run off the request's path (batched, after the response) and are not
 * counted.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import pg from 'pg';
import { ENTRA_USER, type Harness, startHarness } from '../../../http/test-support/harness.js';
import { postgresBackend } from '../../test-support/backends.js';
import { BEGIN_AND_LOCK, CARRIED_BY, describePostgres, sentText, WITH_SAVEPOINT } from '../../test-support/postgres.js';

/** A create's statement, its last: the user's INSERT leading its event's, unanswered. */
const CREATE = 'with "written" as \\(insert into "resources".*? as "checked" from "allocated"';
const asPattern = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Round trips each request takes (the credential cache is warm: no token or tenant reads).
 * A write: its reads and writes, the first of them carrying BEGIN with the tenant's lock and
 * check (postgres/prepared.ts: held by the client, sent in the same message), the outbox event
 * with its sequence number, streams and access history delta (one), COMMIT (one). A deprovision
 * (a user deleted, deactivated or stripped of its roles) also lets the deprovision guard note it
 * and count its window (three). The access history's rows are written later by its projector
 * (history-projector.ts), which took one round trip of each write (a delete: two) before. A
 * user's groups come with the read of the user (`getResourceWithGroups`), in the same statement.
 * A resource's INSERT or UPDATE travels with its event in one statement (held-write.ts), the
 * write's last, which the client holds unanswered and sends with the COMMIT (unanswered.ts,
 * once the connection has prepared it: the first run on a connection is answered; a busy
 * server's connections have, and so have this test's, warmed up first).
 * Before issue #18: 1, 2, 9, 10, 13, 10 (without the access history and the guard).
 *
 * These are the counts of a write that has its tenant's transaction to itself. Writes of a
 * tenant that queue up meanwhile share the next transaction (group commit, group-commit.ts):
 * BEGIN with the lock and COMMIT once per batch, and a SAVEPOINT before each write, which also
 * travels with the write's first statement, as does the write before it's last; so a batch of k
 * writes takes the k writes' own statements but their last + 1 round trip (k creates: one).
 */
const EXPECTED = {
  'GET /Users?filter=userName eq (no match)': 1, // the page (a first page not full needs no COUNT)
  'GET /Users?filter=userName eq (a match)': 1, // the page, with each user's groups
  'GET /Users/{id}': 1, // the resource with its groups
  'POST /Users (Entra create)': 1, // begin+lock, the insert with its event (and history delta), commit (a new user has no groups)
  'PATCH /Users/{id} (Entra update)': 2, // begin+lock with the read (with groups); the update with its event with the commit
  'PATCH /Groups/{id} add member': 5, // begin+lock with the read, member types, already members, insert; the touch with its event with the commit
  'DELETE /Users/{id}': 6, // begin+lock with the read (with groups), delete, guard (settings, note, count); the event with the commit
} as const;

type RequestName = keyof typeof EXPECTED;

/** Statements of background work, not of the request being measured. */
const OFF_PATH = /\b(request_log|health_buckets|health_attributes|health_states|history_projection)\b/;

let recording: { client: pg.Client; text: string }[] | undefined;
const query = pg.Client.prototype.query;
function startRecording(): void {
  recording = [];
}

/**
 * A refill of the credential cache (read-cache.ts, about once a second): not the request's own
 * work. A token is read with its tenant (one statement, tokens.ts); a tenant alone otherwise.
 */
const CREDENTIAL_READ = /^select .* from "(tokens" left join "tenants" on .*|tenants") where/;

/**
 * The request's statements: per connection, a transaction (BEGIN … COMMIT) that touches a
 * background table is background work as a whole, and so is a lone statement that does; a
 * BEGIN or COMMIT alone is the edge of a background transaction cut by the recording window.
 */
function stopRecording(): string[] {
  const seen = recording ?? [];
  recording = undefined;
  const kept: string[] = [];
  for (const client of new Set(seen.map((entry) => entry.client))) {
    let unit: string[] = [];
    let open = false;
    const flush = () => {
      const control = unit.every((text) => /^(begin|commit|rollback)$/i.test(text));
      const background =
        unit.some((text) => OFF_PATH.test(text)) || (unit.length === 1 && CREDENTIAL_READ.test(unit[0] ?? ''));
      if (!control && !background) kept.push(...unit);
      unit = [];
    };
    for (const { text } of seen.filter((entry) => entry.client === client)) {
      if (/^begin\b/i.test(text) || (!open && /^(commit|rollback)$/i.test(text))) {
        flush();
        open = true;
      }
      unit.push(text);
      if (!open || /^(commit|rollback)\b/i.test(text)) {
        flush();
        open = false;
      }
    }
    flush();
  }
  return kept;
}

describePostgres('round trips to PostgreSQL per SCIM request', (url) => {
  let h: Harness;
  let userId: string;
  let groupId: string;
  let spareId: string;
  const measured = new Map<RequestName, string[]>();

  before(async () => {
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const text = sentText(args[0]);
      if (recording !== undefined && text !== undefined)
        recording.push({ client: this, text: text.replace(/\s+/g, ' ').trim() });
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof query;
    // One connection, which the warm-up below has prepared every statement on.
    h = await startHarness({ backend: postgresBackend(url), poolSize: 1 });
    const created = await h.request('POST', '/scim/v2/Users', ENTRA_USER);
    userId = created.json<{ id: string }>().id;
    const spare = await h.request('POST', '/scim/v2/Users', {
      ...ENTRA_USER,
      userName: 'spare@contoso.com',
      externalId: 'spare',
    });
    spareId = spare.json<{ id: string }>().id;
    const group = await h.request('POST', '/scim/v2/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Sales',
    });
    groupId = group.json<{ id: string }>().id;
    // Each write once, so the connection has prepared its statements, as a busy server's have.
    const warm = await h.request('POST', '/scim/v2/Users', {
      ...ENTRA_USER,
      userName: 'warm@contoso.com',
      externalId: 'warm',
    });
    const warmId = warm.json<{ id: string }>().id;
    await h.request('PATCH', `/scim/v2/Users/${warmId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'Replace', path: 'displayName', value: 'Warm' }],
    });
    await h.request('DELETE', `/scim/v2/Users/${warmId}`);
    const member = await h.request('POST', '/scim/v2/Users', {
      ...ENTRA_USER,
      userName: 'm@contoso.com',
      externalId: 'm',
    });
    await h.request('PATCH', `/scim/v2/Groups/${groupId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'Add', path: 'members', value: [{ $ref: null, value: member.json<{ id: string }>().id }] }],
    });
    // Warm the credential cache (src/store/sql/read-cache.ts) as a busy server's is.
    await h.request('GET', `/scim/v2/Users/${userId}`);
  });

  after(async () => {
    pg.Client.prototype.query = query;
    await h?.close();
  });

  async function measure(name: RequestName, send: () => Promise<{ statusCode: number }>, status: number) {
    startRecording();
    const response = await send();
    const statements = stopRecording();
    assert.equal(response.statusCode, status, name);
    measured.set(name, statements);
  }

  it('takes at most the expected round trips for each request', async () => {
    await measure(
      'GET /Users?filter=userName eq (no match)',
      () => h.request('GET', '/scim/v2/Users?filter=userName%20eq%20%22nobody%40contoso.com%22'),
      200,
    );
    await measure(
      'GET /Users?filter=userName eq (a match)',
      () => h.request('GET', `/scim/v2/Users?filter=userName%20eq%20%22${encodeURIComponent(ENTRA_USER.userName)}%22`),
      200,
    );
    await measure('GET /Users/{id}', () => h.request('GET', `/scim/v2/Users/${userId}`), 200);
    await measure(
      'POST /Users (Entra create)',
      () => h.request('POST', '/scim/v2/Users', { ...ENTRA_USER, userName: 'new@contoso.com', externalId: 'new' }),
      201,
    );
    await measure(
      'PATCH /Users/{id} (Entra update)',
      () =>
        h.request('PATCH', `/scim/v2/Users/${userId}`, {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [
            { op: 'Replace', path: 'displayName', value: 'Jane Doe' },
            { op: 'Replace', path: 'name.givenName', value: 'Jane' },
            {
              op: 'Add',
              path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department',
              value: 'Sales',
            },
          ],
        }),
      200,
    );
    await measure(
      'PATCH /Groups/{id} add member',
      () =>
        h.request('PATCH', `/scim/v2/Groups/${groupId}`, {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [{ op: 'Add', path: 'members', value: [{ $ref: null, value: spareId }] }],
        }),
      204,
    );
    await measure('DELETE /Users/{id}', () => h.request('DELETE', `/scim/v2/Users/${userId}`), 204);

    const over = Object.entries(EXPECTED).flatMap(([name, budget]) => {
      const statements = measured.get(name as RequestName) ?? [];
      return statements.length > budget
        ? [`${name}: ${statements.length} > ${budget}\n  ${statements.join('\n  ')}`]
        : [];
    });
    assert.deepEqual(over, []);
    // Budgets are tight: a request that now needs fewer round trips lowers its number here.
    const under = Object.entries(EXPECTED).flatMap(([name, budget]) => {
      const count = measured.get(name as RequestName)?.length ?? 0;
      return count < budget ? [`${name}: ${count} < ${budget}`] : [];
    });
    assert.deepEqual(under, []);
    // A user's groups, for the response or the delete, come with the read of the user itself.
    for (const name of [
      'GET /Users?filter=userName eq (a match)',
      'GET /Users/{id}',
      'PATCH /Users/{id} (Entra update)',
      'DELETE /Users/{id}',
    ] as const) {
      const reads = (measured.get(name) ?? []).filter((text) => /"group_members"|group_members gm/.test(text));
      assert.equal(reads.length, 1, name);
      assert.match(
        reads[0]!,
        /^(begin \+ select scimd_lock_tenant\(\$1, \$2, \$3\) \+ savepoint unit_of_work \+ )?select .*json_agg/,
        name,
      );
    }
    // A write's BEGIN and lock travel with its first statement.
    for (const name of [
      'POST /Users (Entra create)',
      'PATCH /Users/{id} (Entra update)',
      'PATCH /Groups/{id} add member',
      'DELETE /Users/{id}',
    ] as const) {
      assert.ok(measured.get(name)?.[0]?.startsWith(`${BEGIN_AND_LOCK}${CARRIED_BY}`), name);
      // Its last statement (the write's event) goes unanswered, with the COMMIT.
      assert.match(measured.get(name)?.at(-1) ?? '', / as "checked" from "allocated" \+ commit$/, name);
    }
  });

  it('takes one round trip per batch of concurrent creates: BEGIN, each SAVEPOINT and create, COMMIT', async () => {
    const k = 6;
    const creates = (tag: string) =>
      Promise.all(
        Array.from({ length: k }, (_, i) =>
          h.request('POST', '/scim/v2/Users', {
            ...ENTRA_USER,
            userName: `${tag}${i}@contoso.com`,
            externalId: `${tag}${i}`,
          }),
        ),
      );
    startRecording();
    const responses = await creates('batch');
    const statements = stopRecording();
    assert.deepEqual(
      responses.map((r) => r.statusCode),
      Array(k).fill(201),
    );
    // How many transactions the creates took depends on when each reached its unit of work (the
    // store test group-commit.test.ts pins a batch); what holds for any split: each batch is one
    // round trip, BEGIN with the lock, then each create's SAVEPOINT and its statement, then the
    // COMMIT, all in one message.
    const savepoint = asPattern(WITH_SAVEPOINT);
    const batch = new RegExp(
      `^${asPattern(BEGIN_AND_LOCK + CARRIED_BY)}(${savepoint}${CREATE}${asPattern(CARRIED_BY)})+commit$`,
    );
    assert.ok(statements.length >= 1, 'no transaction');
    for (const text of statements) assert.match(text, batch);
    const sent = statements.join('\n').match(new RegExp(CREATE, 'g')) ?? [];
    assert.equal(sent.length, k, statements.join('\n'));
  });
});
