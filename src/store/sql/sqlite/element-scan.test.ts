/**
 * Filters on multi-valued attributes scan `resource_scan_elements` (migration 0012-element-scan):
 * one row per element, its common sub-attributes folded columns. They must answer exactly as the
 * memory evaluator does, for and/or/not inside and around `[...]`, presence, `primary`, caseExact
 * sub-attributes, the dotted form, an extension's attribute, after elements are added and removed
 * by PATCH and PUT, after deletions, and once a tenant is gone; the scan must read only the
 * tenant's rows of the attribute and call no JavaScript function per row; a database written
 * before 0012 must answer the same after it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { ScimError } from '../../../scim/errors.js';
import { checkFilter } from '../../../scim/filter/check.js';
import { parseFilter, parsePatchPath } from '../../../scim/filter/parse.js';
import { applyPatch } from '../../../scim/patch/apply.js';
import type { PatchOperation } from '../../../scim/patch/types.js';

import { URN } from '../../../scim/schema/urns.js';
import { createMemoryStore } from '../../memory/store.js';
import type { ScimObject } from '../../shapes.js';
import type { Store } from '../../store.js';
import { BADGES, ids, tenantRecord, USER_WITH_BADGES } from '../../test-support/fixtures.js';
import { openSqlStore } from '../sql-store.js';
import type { Database } from '../tables.js';
import { connect, openDatabase } from './connect.js';
import { dialect as sqliteDialect } from './dialect.js';
import { filterPagePlan } from './test-support/filter-plan.js';

/** A PATCH operation with its path as text (parsed when applied). */
type Op = { op: PatchOperation['op']; path: string; value?: unknown };

/** Values whose case mapping is not ASCII's, case variants of each other, and "". */
const WORDS = ['Ann', 'ANN', 'ann', 'Émile', 'émile', 'Straße', 'İx', 'ΟΣ', 'ος', 'work', 'Home', ''] as const;
const word = fc.constantFrom(...WORDS);

const element = <T extends Record<string, fc.Arbitrary<unknown>>>(fields: T) =>
  fc.record(fields, { requiredKeys: [], noNullPrototype: true }) as fc.Arbitrary<Record<string, unknown>>;
const email = element({
  value: word,
  type: fc.constantFrom('work', 'Home', 'other'),
  primary: fc.boolean(),
  display: word,
});
const phone = element({ value: word, type: fc.constantFrom('work', 'mobile') });
const address = element({
  locality: word,
  formatted: word,
  type: fc.constantFrom('work', 'home'),
  primary: fc.boolean(),
});
const badge = element({ code: word, label: word, primary: fc.boolean(), level: fc.integer({ min: 0, max: 3 }) });

/** A User body with every multi-valued attribute the filters read (any of them may be absent). */
const userBody = (n: number) =>
  fc
    .record(
      {
        title: word,
        emails: fc.array(email, { maxLength: 3 }),
        phoneNumbers: fc.array(phone, { maxLength: 2 }),
        addresses: fc.array(address, { maxLength: 2 }),
        badges: fc.array(badge, { maxLength: 2 }),
      },
      { requiredKeys: [], noNullPrototype: true },
    )
    .map(({ badges, ...rest }): ScimObject => {
      const body: ScimObject = { schemas: [URN.user], userName: `user${n}`, ...rest };
      if (badges !== undefined) {
        body.schemas = [URN.user, BADGES];
        body[BADGES] = { badges };
      }
      return body;
    });

const SUBS: Record<string, readonly string[]> = {
  emails: ['value', 'type', 'display'],
  phoneNumbers: ['value', 'type'],
  addresses: ['locality', 'formatted', 'type'],
  [`${BADGES}:badges`]: ['code', 'label'],
};
const OPS = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'le'] as const;

const attr = fc.constantFrom(...Object.keys(SUBS));
/** A comparison of one sub-attribute of `a` (relative inside `[...]`, dotted outside). */
const leafOf = (a: string, dotted: boolean) =>
  fc
    .oneof(
      { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...(SUBS[a] ?? [])), fc.constantFrom(...OPS), word) },
      { weight: 1, arbitrary: fc.tuple(fc.constant('primary'), fc.constantFrom('eq', 'ne'), fc.boolean()) },
      {
        weight: 1,
        arbitrary: fc.tuple(fc.constantFrom(...(SUBS[a] ?? []), 'primary'), fc.constant('pr'), fc.constant(null)),
      },
    )
    .map(([sub, op, value]) => {
      const path = dotted ? `${a}.${sub}` : sub;
      return op === 'pr' ? `${path} pr` : `${path} ${op} ${JSON.stringify(value)}`;
    });
const logical = (leaf: fc.Arbitrary<string>, depth: number): fc.Arbitrary<string> =>
  depth === 0
    ? leaf
    : fc.oneof(
        { weight: 3, arbitrary: leaf },
        {
          weight: 2,
          arbitrary: fc
            .tuple(logical(leaf, depth - 1), fc.constantFrom('and', 'or'), logical(leaf, depth - 1))
            .map(([l, op, r]) => `(${l} ${op} ${r})`),
        },
        { weight: 1, arbitrary: logical(leaf, depth - 1).map((f) => `not (${f})`) },
      );
/** Multi-valued filters: `[...]` with and/or/not inside, the dotted form, `pr`, mixed with a scalar. */
const filterText = logical(
  fc.oneof(
    { weight: 4, arbitrary: attr.chain((a) => logical(leafOf(a, false), 2).map((inner) => `${a}[${inner}]`)) },
    { weight: 3, arbitrary: attr.chain((a) => leafOf(a, true)) },
    { weight: 1, arbitrary: attr.map((a) => `${a} pr`) },
    { weight: 1, arbitrary: word.map((w) => `title eq ${JSON.stringify(w)}`) },
  ),
  2,
);

/** A change to user `i`: a new body (PUT), a PATCH adding or removing elements, or a deletion. */
type Step =
  | { kind: 'put'; i: number; body: ScimObject }
  | { kind: 'patch'; i: number; ops: Op[] }
  | { kind: 'delete'; i: number };

const patchOps = fc.oneof(
  email.map((e): Op[] => [{ op: 'add', path: 'emails', value: [e] }]),
  fc.constantFrom('work', 'Home').map((t): Op[] => [{ op: 'remove', path: `emails[type eq "${t}"]` }]),
  fc.array(address, { maxLength: 2 }).map((a): Op[] => [{ op: 'replace', path: 'addresses', value: a }]),
  fc.constant<Op[]>([{ op: 'remove', path: 'phoneNumbers' }]),
  badge.map((b): Op[] => [{ op: 'add', path: `${BADGES}:badges`, value: [b] }]),
);
const USERS = 6;
const step: fc.Arbitrary<Step> = fc.nat(USERS - 1).chain((i) =>
  fc.oneof(
    userBody(i).map((body): Step => ({ kind: 'put', i, body })),
    { weight: 2, arbitrary: patchOps.map((ops): Step => ({ kind: 'patch', i, ops })) },
    fc.constant<Step>({ kind: 'delete', i }),
  ),
);

const T = '2024-01-01T00:00:00.000Z';

async function loadUsers(store: Store, tenantId: string, bodies: readonly ScimObject[]): Promise<void> {
  await store.tenants.create(tenantRecord(tenantId));
  await store.forTenant(tenantId).transaction(async (tx) => {
    for (const [i, body] of bodies.entries())
      await tx.insertResource({ id: `u${i}`, resourceType: 'User', body, now: T });
  });
}

/** Applies `s` to both stores; a PATCH is applied once, to the body the memory store holds. */
async function apply(stores: readonly Store[], tenantId: string, s: Step): Promise<void> {
  const id = `u${s.i}`;
  const current = await stores[0]!.forTenant(tenantId).getResource('User', id);
  if (current === undefined) return;
  let body: ScimObject | undefined;
  if (s.kind === 'put') body = s.body;
  if (s.kind === 'patch') {
    try {
      body = applyPatch(
        USER_WITH_BADGES,
        current.body,
        s.ops.map((o) => ({ ...o, path: parsePatchPath(o.path) })),
      ).body;
    } catch (error) {
      // A PATCH the engine refuses (two primaries) changes nothing, in either store.
      if (error instanceof ScimError) return;
      throw error;
    }
  }
  for (const store of stores) {
    await store.forTenant(tenantId).transaction(async (tx) => {
      if (body === undefined) await tx.deleteResource('User', id);
      else await tx.replaceResource('User', id, body, '2024-01-02T00:00:00.000Z');
    });
  }
}

async function answer(store: Store, tenantId: string, text: string) {
  const filter = checkFilter(parseFilter(text), USER_WITH_BADGES);
  const result = await store
    .forTenant(tenantId)
    .query('User', { filter, resourceType: USER_WITH_BADGES, startIndex: 1, count: 100 });
  return { total: result.totalResults, ids: ids(result.resources) };
}

const elementRows = async (db: Kysely<Database>, tenantId: string) =>
  Number(
    (
      await sql<{ n: number }>`select count(*) as n from resource_scan_elements where tenant_id = ${tenantId}`.execute(
        db,
      )
    ).rows[0]?.n,
  );

describe('multi-valued filters on SQLite (resource_scan_elements)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'scimd-elements-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const open = (file: string) =>
    openSqlStore({
      db: connect(file),
      dialect: sqliteDialect,
      capabilities: { sharedAcrossProcesses: false, durable: true },
    });

  it('answer as the memory evaluator does, through PUT, PATCH, deletions and a tenant deleted', async () => {
    const file = join(dir, 'differential.db');
    const store = await open(file);
    const db = connect(file);
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.tuple(...Array.from({ length: USERS }, (_, i) => userBody(i))),
          fc.tuple(...Array.from({ length: USERS }, (_, i) => userBody(i))),
          fc.array(step, { maxLength: 5 }),
          fc.array(filterText, { minLength: 3, maxLength: 6 }),
          async (bodies, otherBodies, steps, filters) => {
            const memory = createMemoryStore();
            const [t1, t2] = [`a${++run}`, `b${run}`];
            try {
              // The other tenant holds the same ids with other values: no answer may include them.
              for (const s of [memory, store]) {
                await loadUsers(s, t1, bodies);
                await loadUsers(s, t2, otherBodies);
              }
              const check = async (when: string) => {
                for (const text of filters) {
                  assert.deepEqual(await answer(store, t1, text), await answer(memory, t1, text), `${when}: ${text}`);
                }
              };
              await check('as written');
              for (const [k, s] of steps.entries()) {
                await apply([memory, store], t1, s);
                await check(`after step ${k} ${JSON.stringify(s)}`);
              }
              await store.tenants.delete(t2);
              await memory.tenants.delete(t2);
              await check('after the other tenant was deleted');
              assert.equal(await elementRows(db, t2), 0);
              await store.tenants.delete(t1);
              assert.equal(await elementRows(db, t1), 0);
            } finally {
              await memory.close();
            }
          },
        ),
        { numRuns: 60 },
      );
      assert.equal(await elementRows(db, '%'), 0);
      const { rows } = await sql<{ n: number }>`select count(*) as n from resource_scan_elements`.execute(db);
      assert.equal(Number(rows[0]?.n), 0);
    } finally {
      await db.destroy();
      await store.close();
    }
  });

  it('has one row per element, folded, with the other sub-attributes in its rest', async () => {
    const file = join(dir, 'rows.db');
    const store = await open(file);
    const db = connect(file);
    try {
      await loadUsers(store, 't1', [
        {
          schemas: [URN.user, BADGES],
          userName: 'u',
          emails: [{ value: 'A@Ex.COM', type: 'Work', primary: true }, { display: 'ΟΣ' }],
          addresses: [{ locality: 'Straße', type: 'home' }],
          [BADGES]: { badges: [{ code: 'Q', level: 2 }] },
        },
      ]);
      const { rows } = await sql`select attribute, position, value_fold, type_fold, primary_flag, display_fold,
          json(rest_fold) as rest from resource_scan_elements order by attribute, position`.execute(db);
      assert.deepEqual(rows, [
        {
          attribute: 'addresses',
          position: 0,
          value_fold: null,
          type_fold: 'home',
          primary_flag: null,
          display_fold: null,
          rest: '{"locality":"straße"}',
        },
        {
          attribute: 'emails',
          position: 0,
          value_fold: 'a@ex.com',
          type_fold: 'work',
          primary_flag: 1,
          display_fold: null,
          rest: null,
        },
        {
          attribute: 'emails',
          position: 1,
          value_fold: null,
          type_fold: null,
          primary_flag: null,
          display_fold: 'ος',
          rest: null,
        },
        {
          attribute: `${BADGES}:badges`,
          position: 0,
          value_fold: null,
          type_fold: null,
          primary_flag: null,
          display_fold: null,
          rest: '{"code":"q","level":2}',
        },
      ]);
    } finally {
      await db.destroy();
      await store.close();
    }
  });

  it('scan the tenant’s rows of one attribute and call no JavaScript function per row', async () => {
    const file = join(dir, 'plan.db');
    const store = await open(file);
    const bodies = Array.from(
      { length: 20 },
      (_, i): ScimObject => ({
        schemas: [URN.user],
        userName: `user${i}`,
        title: `T${i}`,
        emails: [{ value: `User${i}@Example.com`, type: i % 2 ? 'work' : 'home', primary: i % 3 === 0 }],
        phoneNumbers: [{ value: `+1 555 ${i}`, type: 'work' }],
      }),
    );
    await loadUsers(store, 't1', bodies);
    await loadUsers(store, 't2', bodies);
    await store.close();
    // A connection of its own whose functions count their calls.
    const raw = openDatabase(file);
    const calls = { scim_fold: 0, scim_scan_copy: 0 };
    raw.function('scim_fold', { deterministic: true }, (v: unknown) => {
      calls.scim_fold++;
      return typeof v === 'string' ? v.toLowerCase() : v;
    });
    raw.function('scim_scan_copy', { deterministic: true }, () => {
      calls.scim_scan_copy++;
      return '{}';
    });
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
    const EL = 'SEARCH el USING PRIMARY KEY (tenant_id=? AND resource_type=? AND attribute=?)';
    try {
      for (const statistics of ['starting', 'analyzed']) {
        if (statistics === 'analyzed') await sql`analyze`.execute(db);
        for (const [text, expected] of [
          ['emails[type eq "work" and value co "user1"]', ['u1', 'u11', 'u13', 'u15', 'u17', 'u19']],
          ['emails.value eq "USER7@example.com"', ['u7']],
          [
            'emails[value sw "user1"] and not (emails[primary eq true])',
            ['u1', 'u10', 'u11', 'u13', 'u14', 'u16', 'u17', 'u19'],
          ],
          ['phoneNumbers[type eq "WORK" and value ew " 3"]', ['u3']],
          ['emails[type eq "home"] and emails.primary eq true', ['u0', 'u6', 'u12', 'u18']],
          [
            'emails.value ne "USER3@example.com"',
            Array.from({ length: 20 }, (_, i) => `u${i}`).filter((id) => id !== 'u3'),
          ],
          [
            'emails pr and phoneNumbers[value co "555 1"]',
            ['u1', 'u10', 'u11', 'u12', 'u13', 'u14', 'u15', 'u16', 'u17', 'u18', 'u19'],
          ],
        ] as const) {
          const { page, details } = await filterPagePlan(db, text, USER_WITH_BADGES);
          const context = `${statistics}: ${text}: ${details.join(' | ')}`;
          const elementScans = details.filter((d) => /\bel\b/.test(d) && /^(SCAN|SEARCH)/.test(d));
          assert.ok(elementScans.length > 0, context);
          for (const scan of elementScans) assert.equal(scan, EL, context);
          assert.ok(!details.some((d) => /^SCAN (r|f|el|resources|resource_scan\w*)\b/.test(d)), context);
          calls.scim_fold = 0;
          calls.scim_scan_copy = 0;
          const { rows } = await db.executeQuery<{ id: string }>(page);
          assert.deepEqual(rows.map((r) => r.id).sort(), [...expected].sort(), context);
          assert.deepEqual(calls, { scim_fold: 0, scim_scan_copy: 0 }, context);
        }
      }
    } finally {
      await db.destroy();
    }
  });

  it('are built by 0012 for data written before it, which reads the same after', async () => {
    const file = join(dir, 'migrate.db');
    const bodies = fc.sample(fc.tuple(...Array.from({ length: USERS }, (_, i) => userBody(i))), {
      numRuns: 4,
      seed: 13,
    });
    const filters = fc.sample(filterText, { numRuns: 40, seed: 13 });
    const memory = createMemoryStore();
    const first = await open(file);
    for (const [k, users] of bodies.entries()) {
      await loadUsers(first, `t${k}`, users);
      await loadUsers(memory, `t${k}`, users);
    }
    await first.close();
    // The database as 0011 left it: no element rows, no triggers writing them.
    const raw = connect(file);
    for (const trigger of ['insert', 'update', 'delete']) {
      await sql`drop trigger ${sql.raw(`resource_scan_elements_${trigger}`)}`.execute(raw);
    }
    await sql`drop table resource_scan_elements`.execute(raw);
    // 0012 and every later migration (they tolerate running again) are applied anew.
    await sql`delete from scimd_migrations where name >= '0012-element-scan'`.execute(raw);
    await raw.destroy();

    const reopened = await open(file);
    const db = connect(file);
    try {
      const expectedRows = bodies
        .flat()
        .reduce(
          (n, body) =>
            n +
            ['emails', 'phoneNumbers', 'addresses'].reduce(
              (m, a) => m + ((body[a] as unknown[] | undefined)?.length ?? 0),
              0,
            ) +
            ((body[BADGES] as { badges?: unknown[] } | undefined)?.badges ?? []).length,
          0,
        );
      const { rows } = await sql<{ n: number }>`select count(*) as n from resource_scan_elements`.execute(db);
      assert.equal(Number(rows[0]?.n), expectedRows);
      for (const k of bodies.keys()) {
        for (const text of filters) {
          assert.deepEqual(await answer(reopened, `t${k}`, text), await answer(memory, `t${k}`, text), text);
        }
      }
      // And the triggers are back: a new body's elements replace the old ones.
      await reopened
        .forTenant('t0')
        .transaction((tx) =>
          tx.replaceResource('User', 'u0', { schemas: [URN.user], userName: 'user0', emails: [{ value: 'New' }] }, T),
        );
      assert.deepEqual(await answer(reopened, 't0', 'emails.value eq "NEW"'), { total: 1, ids: ['u0'] });
    } finally {
      await db.destroy();
      await reopened.close();
      await memory.close();
    }
  });
});
