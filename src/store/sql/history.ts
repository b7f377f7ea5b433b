/**
 * The access history in SQL (history-port.ts; the memory store is the oracle): its reads, and
 * the statements that record a delta, which the projector (history-projector.ts) runs for many
 * writes at a time: multi-row INSERTs, an UPDATE when spans end (a role removed, a group left,
 * a deactivation, a deletion), an INSERT … SELECT when a group is deleted; nothing is read first.
 */
import { type Kysely, sql } from 'kysely';
import {
  type AccessDelta,
  type AccessEventKind,
  type AccessQuery,
  type AccessState,
  type AccessTimelineEntry,
  byText,
  foldName,
  type GroupRef,
  type HistoryRepository,
  type RoleGrant,
  type SpanClose,
  sortGroups,
  sortRoles,
} from '../history-port.js';
import type { SqlDialect } from './dialect.js';
import { chunk } from './scope.js';
import type { Database } from './tables.js';
import { idSlots, idValues, SMALL_LISTS, template, templateFamily } from './template.js';

// Literals, not parameters: SQLite uses a partial index only when the query's terms imply its WHERE.
const GROUP = sql.lit('group') as unknown as string;
const USER = sql.lit('user') as unknown as string;
const ROLE = sql.lit('role') as unknown as string;

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

/** The stored rows: each user with an open span of `group` gets `group_left`, and the spans end. */
export async function endGroupSpans(
  db: Kysely<Database>,
  tenantId: string,
  delta: Pick<AccessDelta, 'seq' | 'time' | 'requestId'>,
  group: GroupRef,
): Promise<void> {
  const write = { tenant: tenantId, seq: delta.seq, at: delta.time, request: delta.requestId, group: group.id };
  await insertGroupLeft.execute(db, { ...write, detail: JSON.stringify(group) });
  await closeGroup.execute(db, write);
}

/** Ends the stored open spans that `closes` name, at `at`. */
export async function endSpans(
  db: Kysely<Database>,
  dialect: SqlDialect,
  tenantId: string,
  closes: readonly SpanClose[],
  at: string,
): Promise<void> {
  // A group's PATCH may remove thousands of members: one statement per chunk of them.
  for (const part of chunk(closes, 3, dialect.fragments.maxParameters)) {
    const terms = closeTerms(part);
    await closeSpans(shapeOf(terms)).execute(db, closeValues(terms, { tenant: tenantId, at }));
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
      // Roles and groups, written so that SQLite reads the users' rows (access_history_user):
      // `span in ('role', 'group')` made it read every role and group span of the tenant instead.
      .where('span', '<>', USER)
      .where('at', '<=', slot('t'))
      .where((eb) => eb.or([eb('valid_to', 'is', null), eb('valid_to', '>', slot('t'))])),
  SMALL_LISTS,
);

interface UserSpan {
  readonly user_id: string;
  readonly user_name: string | null;
  readonly active: number | null;
}

/** The user spans (name, active) of these users at `t`. */
const userSpansOf = templateFamily<number, string, UserSpan>(
  (n, db, slot) =>
    db
      .selectFrom('access_history')
      .select(['user_id', 'user_name', 'active'])
      .where('tenant_id', '=', slot('tenant'))
      .where('user_id', 'in', idSlots(n, slot))
      .where('span', '=', USER)
      .where('at', '<=', slot('t'))
      .where((eb) => eb.or([eb('valid_to', 'is', null), eb('valid_to', '>', slot('t'))])),
  SMALL_LISTS,
);

/** Of these users, those with a span of the group (by id or by displayName) at `t`. */
const membersOf = templateFamily<number, string, { user_id: string }>(
  (n, db, slot) =>
    db
      .selectFrom('access_history')
      .select('user_id')
      .where('tenant_id', '=', slot('tenant'))
      .where('user_id', 'in', idSlots(n, slot))
      .where('span', '=', GROUP)
      .where((eb) => eb.or([eb('span_key', '=', slot('group')), eb('name_fold', '=', slot('fold'))]))
      .where('at', '<=', slot('t'))
      .where((eb) => eb.or([eb('valid_to', 'is', null), eb('valid_to', '>', slot('t'))])),
  SMALL_LISTS,
);

/**
 * Users with a span of one kind and name (or group id) at `t`, after `after` in user id order:
 * a range of `access_history_names` (or of `access_history_group_spans`), not a check of every
 * holder. At most `limit` ids, distinct and sorted.
 */
async function spanHolders(
  db: Kysely<Database>,
  tenantId: string,
  t: string,
  by: { readonly span: 'role' | 'group'; readonly nameFold?: string; readonly groupId?: string },
  after: string | undefined,
  limit: number,
): Promise<string[]> {
  let query = db
    .selectFrom('access_history')
    .select('user_id')
    .distinct()
    .where('tenant_id', '=', tenantId)
    .where(validAt(t))
    .orderBy('user_id')
    .limit(limit);
  if (by.groupId !== undefined) query = query.where('span', '=', GROUP).where('span_key', '=', by.groupId);
  else query = query.where('span', '=', by.span === 'role' ? ROLE : GROUP).where('name_fold', '=', by.nameFold!);
  if (after !== undefined) query = query.where('user_id', '>', after);
  return (await query.execute()).map((r) => r.user_id);
}

/** The next `limit` candidates of a filtered report: holders of the role, or members of the group. */
async function candidates(
  db: Kysely<Database>,
  tenantId: string,
  q: AccessQuery,
  after: string | undefined,
  limit: number,
): Promise<string[]> {
  if (q.role !== undefined)
    return spanHolders(db, tenantId, q.asOf, { span: 'role', nameFold: foldName(q.role) }, after, limit);
  const group = q.group!;
  // By id and by displayName: two ranges, merged.
  const [byId, byName] = await Promise.all([
    spanHolders(db, tenantId, q.asOf, { span: 'group', groupId: group }, after, limit),
    spanHolders(db, tenantId, q.asOf, { span: 'group', nameFold: foldName(group) }, after, limit),
  ]);
  return [...new Set([...byId, ...byName])].sort(byText).slice(0, limit);
}

/** The page's users (active ones unless asked for all): every user span at `t`, in user id order. */
async function unfilteredPage(db: Kysely<Database>, tenantId: string, q: AccessQuery): Promise<UserSpan[]> {
  let users = db
    .selectFrom('access_history')
    .select(['user_id', 'user_name', 'active'])
    .where('tenant_id', '=', tenantId)
    .where('span', '=', USER)
    .where(validAt(q.asOf))
    .orderBy('user_id')
    .limit(q.limit);
  if (!q.includeInactive) users = users.where('active', '=', 1);
  if (q.afterUserId !== undefined) users = users.where('user_id', '>', q.afterUserId);
  return users.execute();
}

/**
 * A page of a report filtered by a role or a group: candidates come in user id order from the
 * filter's index, a batch at a time, and are kept when their user span at `t` (active unless
 * asked for all) and the other filter agree, until the page is full or there are no more.
 */
async function filteredPage(
  db: Kysely<Database>,
  dialect: SqlDialect,
  tenantId: string,
  q: AccessQuery,
): Promise<UserSpan[]> {
  const page: UserSpan[] = [];
  const t = q.asOf;
  const batch = Math.max(q.limit, 100);
  let after = q.afterUserId;
  for (;;) {
    const ids = await candidates(db, tenantId, q, after, batch);
    let kept = ids;
    if (q.role !== undefined && q.group !== undefined && kept.length > 0) {
      const members = new Set<string>();
      for (const part of chunk(kept, 1, dialect.fragments.maxParameters)) {
        const values = { ...idValues(tenantId, part), t, group: q.group, fold: foldName(q.group) };
        for (const row of await membersOf(part.length).execute(db, values)) members.add(row.user_id);
      }
      kept = kept.filter((id) => members.has(id));
    }
    const spans = new Map<string, UserSpan>();
    for (const part of chunk(kept, 1, dialect.fragments.maxParameters)) {
      for (const row of await userSpansOf(part.length).execute(db, { ...idValues(tenantId, part), t })) {
        if (q.includeInactive || Number(row.active) === 1) spans.set(row.user_id, row);
      }
    }
    for (const id of kept) {
      const span = spans.get(id);
      if (span === undefined) continue;
      page.push(span);
      if (page.length === q.limit) return page;
    }
    if (ids.length < batch) return page;
    after = ids[ids.length - 1];
  }
}

async function accessAt(db: Kysely<Database>, dialect: SqlDialect, tenantId: string, q: AccessQuery) {
  const t = q.asOf;
  const page =
    q.role === undefined && q.group === undefined
      ? await unfilteredPage(db, tenantId, q)
      : await filteredPage(db, dialect, tenantId, q);
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

/**
 * The history's reads. `project` brings the tenant's history up to date first (the projector's
 * pending deltas, history-projector.ts), so every answer includes every committed write.
 */
export function createHistoryRepository(
  db: Kysely<Database>,
  dialect: SqlDialect,
  project: (tenantId: string) => Promise<void>,
): HistoryRepository {
  return {
    async timeline(tenantId, userId) {
      await project(tenantId);
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
      await project(tenantId);
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
    async accessAt(tenantId, query) {
      await project(tenantId);
      return accessAt(db, dialect, tenantId, query);
    },
    async prune(before) {
      // Events older than the window, and spans that started and ended before it: each through
      // its partial index (migration 0010).
      const events = await db
        .deleteFrom('access_history')
        .where('span', 'is', null)
        .where('at', '<', before)
        .executeTakeFirst();
      const ended = await db
        .deleteFrom('access_history')
        .where('valid_to', 'is not', null)
        .where('valid_to', '<', before)
        .where('at', '<', before)
        .executeTakeFirst();
      return Number(events.numDeletedRows) + Number(ended.numDeletedRows);
    },
    async backlog() {
      // Per tenant, the events past its watermark, through the events' primary key.
      const row = await db
        .selectFrom('event_sequences as s')
        .leftJoin('history_projection as h', 'h.tenant_id', 's.tenant_id')
        .innerJoin('events as e', (join) =>
          join.onRef('e.tenant_id', '=', 's.tenant_id').on('e.seq', '>', sql<number>`coalesce(h.through, 0)`),
        )
        .where('e.access_delta', 'is not', null)
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },
  };
}
