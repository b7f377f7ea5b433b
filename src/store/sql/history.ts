/**
 * The access history in SQL (history-port.ts; the memory store is the oracle). A write's delta
 * costs one multi-row INSERT, plus one UPDATE when spans end (a role removed, a group left, a
 * deactivation, a deletion), plus one INSERT … SELECT when a group is deleted; nothing is read
 * first. The statements every write runs are templates (template.ts).
 */
import { type Kysely, sql } from 'kysely';
import {
  type AccessDelta,
  type AccessEventKind,
  type AccessQuery,
  type AccessState,
  type AccessTimelineEntry,
  foldName,
  type GroupRef,
  type HistoryRepository,
  type RoleGrant,
  type SpanClose,
  sortGroups,
  sortRoles,
} from '../history-port.js';
import type { SqlDialect } from './dialect.js';
import { chunk, type SqlScope } from './scope.js';
import type { Database } from './tables.js';
import { idSlots, idValues, rowSlots, rowValues, SMALL_LISTS, template, templateFamily } from './template.js';

// Literals, not parameters: SQLite uses a partial index only when the query's terms imply its WHERE.
const GROUP = sql.lit('group') as unknown as string;
const USER = sql.lit('user') as unknown as string;

const ROW_COLUMNS = [
  'user_id',
  'ord',
  'kind',
  'user_name',
  'detail',
  'span',
  'span_key',
  'name_fold',
  'active',
] as const;

/** INSERT of `n` rows of one write: tenant, seq, time and request id are the write's. */
const insertRows = templateFamily<number, string, never>(
  (n, db, slot) =>
    db.insertInto('access_history').values(
      rowSlots(ROW_COLUMNS, n, slot, {
        tenant_id: slot('tenant'),
        seq: slot('seq'),
        at: slot('at'),
        request_id: slot('request'),
        valid_to: null as never,
      }),
    ),
  SMALL_LISTS,
);

/** Each user with an open span of the deleted group gets `group_left`. */
const insertGroupLeft = template<'tenant' | 'group' | 'seq' | 'at' | 'request' | 'detail', never>((db, slot) =>
  db
    .insertInto('access_history')
    .columns(['tenant_id', 'user_id', 'seq', 'ord', 'at', 'request_id', 'kind', 'detail'])
    .expression(
      db
        .selectFrom('access_history')
        .select((s) => [
          s.ref('tenant_id').as('tenant_id'),
          s.ref('user_id').as('user_id'),
          sql<number>`cast(${slot('seq')} as bigint)`.as('seq'),
          sql<number>`0`.as('ord'),
          sql<string>`cast(${slot('at')} as text)`.as('at'),
          sql<string>`cast(${slot('request')} as text)`.as('request_id'),
          sql<string>`'group_left'`.as('kind'),
          sql<string>`cast(${slot('detail')} as text)`.as('detail'),
        ])
        .where('tenant_id', '=', slot('tenant'))
        .where('span', '=', GROUP)
        .where('span_key', '=', slot('group'))
        .where('valid_to', 'is', null),
    ),
);

const closeGroup = template<'tenant' | 'group' | 'at', never>((db, slot) =>
  db
    .updateTable('access_history')
    .set({ valid_to: slot('at') })
    .where('tenant_id', '=', slot('tenant'))
    .where('span', '=', GROUP)
    .where('span_key', '=', slot('group'))
    .where('valid_to', 'is', null),
);

interface CloseTerm {
  readonly kind: string | undefined;
  readonly key: string | undefined;
  readonly users: readonly string[];
}

/** Closes of the same kind and key become one term: `user_id IN (…) AND span = … AND span_key = …`. */
function closeTerms(closes: readonly SpanClose[]): CloseTerm[] {
  const terms = new Map<string, { kind: string | undefined; key: string | undefined; users: string[] }>();
  for (const c of closes) {
    const id = JSON.stringify([c.kind ?? null, c.key ?? null]);
    const term = terms.get(id) ?? { kind: c.kind, key: c.key, users: [] };
    if (!term.users.includes(c.userId)) term.users.push(c.userId);
    terms.set(id, term);
  }
  return [...terms.values()];
}

/** A term's shape: whether it names a kind and a key, and how many users. */
const shapeOf = (terms: readonly CloseTerm[]) =>
  terms.map((t) => `${t.kind === undefined ? '' : 'k'}${t.key === undefined ? '' : 'v'}${t.users.length}`).join(',');

/** One UPDATE ending every span the terms name, templated per shape (a write has few shapes). */
const closeSpans = templateFamily<string, string, never>(
  (shape, db, slot) =>
    db
      .updateTable('access_history')
      .set({ valid_to: slot('at') })
      .where('tenant_id', '=', slot('tenant'))
      .where('valid_to', 'is', null)
      .where('span', 'is not', null)
      .where((eb) =>
        eb.or(
          shape.split(',').map((term, i) => {
            const users = Number(term.replace(/\D/g, ''));
            return eb.and([
              eb(
                'user_id',
                'in',
                Array.from({ length: users }, (_, j) => slot(`t${i}u${j}`)),
              ),
              ...(term.includes('k') ? [eb('span', '=', slot(`t${i}kind`))] : []),
              ...(term.includes('v') ? [eb('span_key', '=', slot(`t${i}key`))] : []),
            ]);
          }),
        ),
      ),
  { keep: (shape) => shape.length <= 64 },
);

function closeValues(terms: readonly CloseTerm[], values: Record<string, unknown>): Record<string, unknown> {
  terms.forEach((t, i) => {
    t.users.forEach((user, j) => {
      values[`t${i}u${j}`] = user;
    });
    if (t.kind !== undefined) values[`t${i}kind`] = t.kind;
    if (t.key !== undefined) values[`t${i}key`] = t.key;
  });
  return values;
}

export async function appendAccessHistory(scope: SqlScope, delta: AccessDelta): Promise<void> {
  const { db, dialect, tenantId } = scope;
  const write = { tenant: tenantId, seq: delta.seq, at: delta.time, request: delta.requestId };
  if (delta.groupDeleted) {
    const group = { ...write, group: delta.groupDeleted.id };
    await insertGroupLeft.execute(db, { ...group, detail: JSON.stringify(delta.groupDeleted) });
    await closeGroup.execute(db, group);
  }
  if (delta.close.length > 0) {
    // A group's PATCH may remove thousands of members: one statement per chunk of them.
    for (const part of chunk(delta.close, 3, dialect.fragments.maxParameters)) {
      const terms = closeTerms(part);
      await closeSpans(shapeOf(terms)).execute(db, closeValues(terms, { tenant: tenantId, at: delta.time }));
    }
  }
  const rows = delta.rows.map((row, ord) => ({
    user_id: row.userId,
    ord,
    kind: row.kind,
    user_name: row.userName,
    detail: JSON.stringify(row.detail),
    span: row.span?.kind ?? null,
    span_key: row.span?.key ?? null,
    name_fold: row.span?.nameFold ?? null,
    active: row.span?.kind === 'user' ? (row.span.active === false ? 0 : 1) : null,
  }));
  for (const part of chunk(rows, ROW_COLUMNS.length, dialect.fragments.maxParameters)) {
    await insertRows(part.length).execute(db, rowValues(ROW_COLUMNS, part, { ...write }));
  }
}

const validAt = (t: string) => sql<boolean>`at <= ${t} and (valid_to is null or valid_to > ${t})`;

const spansOfUsers = templateFamily<number, string, { user_id: string; span: string; detail: string }>(
  (n, db, slot) =>
    db
      .selectFrom('access_history')
      .select(['user_id', 'span', 'detail'])
      .where('tenant_id', '=', slot('tenant'))
      .where('user_id', 'in', idSlots(n, slot))
      .where('span', 'in', ['role', 'group'])
      .where('at', '<=', slot('t'))
      .where((eb) => eb.or([eb('valid_to', 'is', null), eb('valid_to', '>', slot('t'))])),
  SMALL_LISTS,
);

async function accessAt(db: Kysely<Database>, dialect: SqlDialect, tenantId: string, q: AccessQuery) {
  const t = q.asOf;
  let users = db
    .selectFrom('access_history as u')
    .select(['u.user_id', 'u.user_name', 'u.active'])
    .where('u.tenant_id', '=', tenantId)
    .where('u.span', '=', USER)
    .where(validAt(t))
    .orderBy('u.user_id')
    .limit(q.limit);
  if (!q.includeInactive) users = users.where('u.active', '=', 1);
  if (q.afterUserId !== undefined) users = users.where('u.user_id', '>', q.afterUserId);
  const holders = db.selectFrom('access_history').select('user_id').where('tenant_id', '=', tenantId).where(validAt(t));
  if (q.role !== undefined) {
    const fold = foldName(q.role);
    users = users.where('u.user_id', 'in', holders.where('span', '=', 'role').where('name_fold', '=', fold));
  }
  if (q.group !== undefined) {
    const { group } = q;
    // Two lookups, one index each (by id, by folded displayName), rather than one OR scan.
    const byId = holders.where('span', '=', GROUP).where('span_key', '=', group);
    const byName = holders.where('span', '=', 'group').where('name_fold', '=', foldName(group));
    users = users.where((eb) => eb.or([eb('u.user_id', 'in', byId), eb('u.user_id', 'in', byName)]));
  }
  const page = await users.execute();
  const states = new Map<string, { userName: string; active: boolean; roles: RoleGrant[]; groups: GroupRef[] }>();
  for (const row of page) {
    states.set(row.user_id, { userName: row.user_name ?? '', active: Number(row.active) === 1, roles: [], groups: [] });
  }
  for (const ids of chunk([...states.keys()], 1, dialect.fragments.maxParameters)) {
    const spans = await spansOfUsers(ids.length).execute(db, { ...idValues(tenantId, ids), t });
    for (const span of spans) {
      const state = states.get(span.user_id)!;
      const detail = JSON.parse(span.detail);
      if (span.span === 'role') state.roles.push(detail as RoleGrant);
      else state.groups.push(detail as GroupRef);
    }
  }
  return [...states].map(
    ([userId, s]): AccessState => ({ userId, ...s, roles: sortRoles(s.roles), groups: sortGroups(s.groups) }),
  );
}

export function createHistoryRepository(db: Kysely<Database>, dialect: SqlDialect): HistoryRepository {
  return {
    async timeline(tenantId, userId) {
      const rows = await db
        .selectFrom('access_history')
        .select(['user_id', 'at', 'request_id', 'kind', 'user_name', 'detail'])
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId)
        .orderBy('at')
        .orderBy('seq')
        .orderBy('ord')
        .execute();
      return rows.map(
        (r): AccessTimelineEntry => ({
          userId: r.user_id,
          time: r.at,
          requestId: r.request_id,
          kind: r.kind as AccessEventKind,
          userName: r.user_name,
          detail: JSON.parse(r.detail),
        }),
      );
    },
    async findUserIds(tenantId, userName) {
      // Deduplicated here: DISTINCT would make SQLite walk the tenant's rows in user id order.
      const rows = await db
        .selectFrom('access_history')
        .select('user_id')
        .where('tenant_id', '=', tenantId)
        .where('span', '=', USER)
        .where('name_fold', '=', foldName(userName))
        .execute();
      return [...new Set(rows.map((r) => r.user_id))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    },
    accessAt: (tenantId, query) => accessAt(db, dialect, tenantId, query),
    async prune(before) {
      const result = await db
        .deleteFrom('access_history')
        .where('at', '<', before)
        .where((eb) =>
          eb.or([eb('span', 'is', null), eb.and([eb('valid_to', 'is not', null), eb('valid_to', '<', before)])]),
        )
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
