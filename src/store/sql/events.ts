/**
 * The outbox in SQL: appending a unit of work's events with their per-tenant sequence numbers,
 * reading them back in order, and retention.
 *
 * Sequence numbers come from `event_sequences`, updated in the writing transaction: writers of
 * a tenant are serialised (SQLite's write lock; on PostgreSQL the tenant lock the dialect's
 * `begin` takes, and the row lock of this very upsert), so numbers are gap-free and follow
 * commit order.
 */
import { type Kysely, type Selectable, sql } from 'kysely';
import type { ChangeEvent, EventPage, EventSubjectType, NewChangeEvent } from '../events-port.js';
import type { GuardCapture } from '../guard-port.js';
import type { MemberRef } from '../shapes.js';
import type { SqlDialect } from './dialect.js';
import { type ResourceWrite, type ResourceWriteKind, resourceWriteQuery } from './resources.js';
import { chunk, type SqlScope } from './scope.js';
import type { Database, EventsTable } from './tables.js';
import { idSlots, idValues, rowSlots, SMALL_LISTS, template, templateFamily } from './template.js';
import { outcomeOf } from './unanswered.js';
import { mapUniqueViolations, uniqueViolationAs } from './unique.js';

/** A stream id: one per endpoint × tenant, derived so that concurrent creations agree. */
export function streamId(endpointId: string, tenantId: string): string {
  return `${endpointId}:${tenantId}`;
}

/** The columns an event is stored with, besides its tenant and the write's access delta. */
const EVENT_FIELDS = [
  'seq',
  'type',
  'resource_type',
  'resource_id',
  'changed_attributes',
  'snapshot',
  'member_id',
  'member_type',
  'time',
  'request_id',
] as const;

/** The columns of the change feed: every column but `access_delta`, which the feed never shows. */
const FEED_COLUMNS = ['tenant_id', ...EVENT_FIELDS] as const;

function toChangeEvent(
  row: Pick<Selectable<EventsTable>, (typeof FEED_COLUMNS)[number]>,
  dialect: SqlDialect,
): ChangeEvent {
  const member: MemberRef | null =
    row.member_id === null ? null : { value: row.member_id, type: row.member_type as MemberRef['type'] };
  return {
    tenantId: row.tenant_id,
    seq: Number(row.seq),
    type: row.type,
    resourceType: row.resource_type as EventSubjectType,
    resourceId: row.resource_id,
    changedAttributes: dialect.codec.decodeJson(row.changed_attributes) as unknown as string[],
    snapshot: dialect.codec.decodeJson(row.snapshot),
    member,
    time: row.time,
    requestId: row.request_id,
  };
}

// Every SCIM write appends events: the statements of appendEvents are templates (template.ts).

const allocate = template<'tenant' | 'n', { last_seq: number | string; held_seq: number | string | null }>((db, slot) =>
  db
    .insertInto('event_sequences')
    .values({ tenant_id: slot('tenant'), last_seq: slot('n'), pruned_through: 0 })
    .onConflict((oc) =>
      oc
        .column('tenant_id')
        .doUpdateSet((eb) => ({ last_seq: eb(eb.ref('event_sequences.last_seq'), '+', slot('n')) })),
    )
    .returning(['last_seq', 'held_seq']),
);

const EVENT_COLUMNS = [...EVENT_FIELDS, 'access_delta'] as const;

/** INSERT of `n` events of one tenant, each column bound as `<column><i>`. */
const insertEvents = templateFamily<number, string, never>(
  (n, db, slot) => db.insertInto('events').values(rowSlots(EVENT_COLUMNS, n, { tenant_id: slot('tenant') })),
  SMALL_LISTS,
);

/**
 * Allocates the next `events.length` sequence numbers of the tenant, inserts the events, and
 * makes sure every endpoint whose scope includes the tenant has a stream for it (starting just
 * before these events when it is new). `accessDelta` (history-projector.ts, encoded) goes into
 * the first event's row, by the same statement: the history costs the write no statement and,
 * on SQLite, no page of its own.
 */
export async function appendEvents(
  scope: SqlScope,
  events: readonly NewChangeEvent[],
  onHold?: (heldSeq: number | null) => void,
  accessDelta: string | null = null,
): Promise<ChangeEvent[]> {
  const { db, dialect, tenantId } = scope;
  if (events.length === 0) return [];
  if (events.length === 1 && dialect.fragments.dataModifyingCtes)
    return [await appendOneEvent(scope, events[0]!, onHold, accessDelta)];
  const n = events.length;
  const allocated = await allocate.first(db, { tenant: tenantId, n });
  if (allocated === undefined) throw new Error('event sequence upsert returned no row');
  // The deprovision guard's delivery hold comes back with the sequence (guard-port.ts).
  onHold?.(allocated.held_seq === null ? null : Number(allocated.held_seq));
  const first = Number(allocated.last_seq) - n + 1;
  const stored: ChangeEvent[] = events.map((event, i) => ({ ...event, tenantId, seq: first + i }));
  for (const part of chunk(stored, EVENT_COLUMNS.length + 1, dialect.fragments.maxParameters)) {
    const rows = part.map((e) => ({
      seq: e.seq,
      type: e.type,
      resource_type: e.resourceType,
      resource_id: e.resourceId,
      changed_attributes: dialect.codec.encodeJson(e.changedAttributes),
      snapshot: dialect.codec.encodeJson(e.snapshot),
      member_id: e.member?.value ?? null,
      member_type: e.member?.type ?? null,
      time: e.time,
      request_id: e.requestId,
      access_delta: e.seq === first ? accessDelta : null,
    }));
    await insertEvents(part.length).execute(db, { tenant: tenantId }, rows);
  }
  await ensureStreams.execute(db, {
    tenant: tenantId,
    streamSuffix: `:${tenantId}`,
    delivered: first - 1,
    now: events[0]!.time,
  });
  return stored;
}

type OneEventSlot = 'tenant' | 'streamSuffix' | 'now' | (typeof EVENT_COLUMNS)[number];

type OneEventKind = ResourceWriteKind | 'event only';

/** The slot of the written resource's value `name` (its own names would clash: `type`). */
const writeSlot = (name: string) => `w_${name}`;

/**
 * `appendEvents` of a single event as one statement (where `WITH` may hold INSERT … RETURNING):
 * the sequence number allocated, the event inserted with it, and the missing streams created
 * behind it, in one round trip instead of three; each write holds its tenant's lock meanwhile.
 * With a resource write of `kind` (resources.ts, `ResourceWrite`) that write leads the
 * statement as the `written` CTE: the resource and its event travel together, and `written`
 * says how many rows it wrote.
 */
const appendOneStatement = templateFamily<
  OneEventKind,
  string,
  { seq: number | string; held_seq: number | string | null; written: number | string | null }
>((kind, db, slot) =>
  oneEventQuery(kind, db, slot)
    .selectFrom('allocated')
    .select([
      'allocated.seq',
      'allocated.held_seq',
      kind === 'event only' ? sql<null>`null`.as('written') : sql<number>`(select count(*) from written)`.as('written'),
    ]),
);

/** The capture's values of `appendFinalStatement`. */
type CaptureSlot = 'cap_resource_type' | 'cap_resource_id' | 'cap_before';

/**
 * `appendOneStatement` as a unit of work's last statement, which may go unanswered
 * (unanswered.ts): what its caller would do with the answer happens in the statement. The
 * deprovision guard's capture is inserted when the append finds the tenant's deliveries held
 * (`captured`, the caller's `tx.guard.capture` after `deliveryHold()`), and a resource write
 * that changed no row fails the statement (a division by zero, which `appendFinalEvent` reports
 * as the error `appendOneEvent` throws).
 */
const appendFinalStatement = templateFamily<OneEventKind, string, { checked: number | string }>(
  (kind, db, slot) => {
    const text = (name: CaptureSlot) => sql`cast(${slot(name)} as text)`;
    return oneEventQuery(kind, db, slot)
      .with('captured', (w) =>
        w
          .insertInto('guard_captures')
          .columns(['tenant_id', 'resource_id', 'resource_type', 'seq', 'before'])
          .expression((eb) =>
            eb
              .selectFrom('allocated')
              .select([
                sql`cast(${slot('tenant')} as text)`.as('tenant_id'),
                text('cap_resource_id').as('resource_id'),
                text('cap_resource_type').as('resource_type'),
                'allocated.seq',
                text('cap_before').as('before'),
              ])
              .where('allocated.held_seq', 'is not', null)
              .where(sql<boolean>`${text('cap_resource_id')} is not null`),
          )
          .onConflict((oc) => oc.columns(['tenant_id', 'resource_id']).doNothing()),
      )
      .selectFrom('allocated')
      .select(
        kind === 'event only'
          ? sql<number>`1`.as('checked')
          : sql<number>`1 / (select count(*) from written)`.as('checked'),
      );
  },
  { unanswered: true },
);

/** The statement both `appendOneStatement` and `appendFinalStatement` select from. */
function oneEventQuery(kind: OneEventKind, db: Kysely<Database>, slot: (name: string) => never) {
  const text = (name: OneEventSlot) => sql`cast(${slot(name)} as text)`;
  const start =
    kind === 'event only'
      ? db
      : (db.with('written', (w) =>
          resourceWriteQuery(kind, w, (name) => slot(writeSlot(name))),
        ) as unknown as typeof db);
  return start
    .with('allocated', (w) =>
      w
        .insertInto('event_sequences')
        .values({ tenant_id: slot('tenant'), last_seq: 1, pruned_through: 0 })
        .onConflict((oc) =>
          oc.column('tenant_id').doUpdateSet((eb) => ({ last_seq: eb(eb.ref('event_sequences.last_seq'), '+', 1) })),
        )
        .returning(['last_seq as seq', 'held_seq']),
    )
    .with('event', (w) =>
      w
        .insertInto('events')
        .columns(['tenant_id', ...EVENT_COLUMNS])
        .expression((eb) =>
          eb
            .selectFrom('allocated')
            .select([
              text('tenant').as('tenant_id'),
              'allocated.seq',
              text('type').as('type'),
              text('resource_type').as('resource_type'),
              text('resource_id').as('resource_id'),
              sql`cast(${slot('changed_attributes')} as jsonb)`.as('changed_attributes'),
              sql`cast(${slot('snapshot')} as jsonb)`.as('snapshot'),
              text('member_id').as('member_id'),
              text('member_type').as('member_type'),
              text('time').as('time'),
              text('request_id').as('request_id'),
              text('access_delta').as('access_delta'),
            ]),
        ),
    )
    .with('streams', (w) =>
      w
        .insertInto('event_streams')
        .columns(['id', 'endpoint_id', 'tenant_id', 'delivered_seq', 'attempts', 'next_attempt_at'])
        .expression((eb) =>
          eb
            .selectFrom(['event_endpoints as e', 'allocated'])
            .select((s) => [
              sql<string>`${s.ref('e.id')} || ${text('streamSuffix')}`.as('id'),
              'e.id as endpoint_id',
              text('tenant').as('tenant_id'),
              sql<number>`allocated.seq - 1`.as('delivered_seq'),
              sql<number>`0`.as('attempts'),
              text('now').as('next_attempt_at'),
            ])
            .where((x) => x.or([x('e.tenant_id', '=', slot('tenant')), x('e.tenant_id', 'is', null)])),
        )
        .onConflict((oc) => oc.doNothing()),
    );
}

/**
 * One event, appended by one statement (`appendOneStatement`), after `write` in the same
 * statement when given. A resource write that changed no row (an update of a row that is gone)
 * throws: the caller predicted its result.
 */
export async function appendOneEvent(
  scope: SqlScope,
  event: NewChangeEvent,
  onHold: ((heldSeq: number | null) => void) | undefined,
  accessDelta: string | null,
  write?: ResourceWrite,
): Promise<ChangeEvent> {
  const values = oneEventValues(scope, event, accessDelta, write);
  const statement = appendOneStatement(write?.kind ?? 'event only');
  const row = await (write === undefined
    ? statement.first(scope.db, values)
    : mapUniqueViolations(scope.dialect, write.errors, () => statement.first(scope.db, values)));
  if (row === undefined) throw new Error('event sequence upsert returned no row');
  if (write !== undefined && Number(row.written) !== 1) throw notWritten(write);
  onHold?.(row.held_seq === null ? null : Number(row.held_seq));
  return { ...event, tenantId: scope.tenantId, seq: Number(row.seq) };
}

const notWritten = (write: ResourceWrite) =>
  new Error(`resource ${JSON.stringify(write.id)} was not written with its event`);

/**
 * `appendOneEvent` as the unit of work's last statement, with the guard's `capture` (events-port.ts,
 * `appendFinal`): answers with the statement's `outcome`, which settles when the statement
 * has run, at once or, when the client held it (unanswered.ts), with the statement it travels
 * with. Its failure is the error `appendOneEvent` would throw.
 */
export async function appendFinalEvent(
  scope: SqlScope,
  event: NewChangeEvent,
  accessDelta: string | null,
  write: ResourceWrite | undefined,
  capture: Omit<GuardCapture, 'seq'> | undefined,
): Promise<{ readonly outcome: Promise<void> }> {
  const values: Record<string, unknown> = oneEventValues(scope, event, accessDelta, write);
  values['cap_resource_type'] = capture?.resourceType ?? null;
  values['cap_resource_id'] = capture?.resourceId ?? null;
  values['cap_before'] = capture === undefined ? null : JSON.stringify(capture.before);
  const failure = (error: unknown) => {
    if (write === undefined) return error;
    if ((error as { code?: unknown }).code === DIVISION_BY_ZERO) return notWritten(write);
    return uniqueViolationAs(scope.dialect, write.errors, error);
  };
  let row: object | undefined;
  try {
    row = await appendFinalStatement(write?.kind ?? 'event only').first(scope.db, values);
  } catch (error) {
    throw failure(error);
  }
  if (row === undefined) throw new Error('event sequence upsert returned no row');
  const outcome = outcomeOf(row) ?? Promise.resolve();
  return {
    outcome: outcome.catch((error: unknown) => {
      throw failure(error);
    }),
  };
}

/** PostgreSQL's SQLSTATE for a division by zero: `appendFinalStatement`'s write changed no row. */
const DIVISION_BY_ZERO = '22012';

function oneEventValues(
  { tenantId, dialect }: SqlScope,
  event: NewChangeEvent,
  accessDelta: string | null,
  write: ResourceWrite | undefined,
): Record<string, unknown> {
  const values: Record<string, unknown> = {
    tenant: tenantId,
    streamSuffix: `:${tenantId}`,
    now: event.time,
    seq: null,
    type: event.type,
    resource_type: event.resourceType,
    resource_id: event.resourceId,
    changed_attributes: dialect.codec.encodeJson(event.changedAttributes),
    snapshot: dialect.codec.encodeJson(event.snapshot),
    member_id: event.member?.value ?? null,
    member_type: event.member?.type ?? null,
    time: event.time,
    request_id: event.requestId,
    access_delta: accessDelta,
  };
  for (const [name, value] of Object.entries(write?.values ?? {})) values[writeSlot(name)] = value;
  return values;
}

/** Creates the missing streams of endpoints covering the tenant, positioned at `delivered`. */
const ensureStreams = template<'tenant' | 'streamSuffix' | 'delivered' | 'now', never>((db, slot) =>
  db
    .insertInto('event_streams')
    .columns(['id', 'endpoint_id', 'tenant_id', 'delivered_seq', 'attempts', 'next_attempt_at'])
    .expression((eb) =>
      eb
        .selectFrom('event_endpoints as e')
        .select((s) => [
          sql<string>`${s.ref('e.id')} || cast(${slot('streamSuffix')} as text)`.as('id'),
          'e.id as endpoint_id',
          sql<string>`cast(${slot('tenant')} as text)`.as('tenant_id'),
          sql<number>`cast(${slot('delivered')} as integer)`.as('delivered_seq'),
          sql<number>`cast(0 as integer)`.as('attempts'),
          sql<string>`cast(${slot('now')} as text)`.as('next_attempt_at'),
        ])
        .where((w) => w.or([w('e.tenant_id', '=', slot('tenant')), w('e.tenant_id', 'is', null)])),
    )
    .onConflict((oc) => oc.doNothing()),
);

export async function listEvents(
  db: Kysely<Database>,
  dialect: SqlDialect,
  tenantId: string,
  after: number,
  limit: number,
): Promise<EventPage> {
  const sequence = await db
    .selectFrom('event_sequences')
    .select(['last_seq', 'pruned_through', 'held_seq'])
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
  const rows =
    limit <= 0 || sequence === undefined
      ? []
      : await db
          .selectFrom('events')
          .select(FEED_COLUMNS)
          .where('tenant_id', '=', tenantId)
          .where('seq', '>', after)
          .orderBy('seq')
          .limit(limit)
          .execute();
  return {
    events: rows.map((row) => toChangeEvent(row, dialect)),
    lastSeq: Number(sequence?.last_seq ?? 0),
    prunedThrough: Number(sequence?.pruned_through ?? 0),
    heldSeq: sequence?.held_seq == null ? null : Number(sequence.held_seq),
  };
}

/**
 * The highest sequence number retention may remove for one tenant (see `EventRepository.prune`):
 * never an event whose access history delta is not yet projected (`history_projection.through`).
 */
async function pruneBound(db: Kysely<Database>, dialect: SqlDialect, tenantId: string, before: string) {
  const old = await db
    .selectFrom('events')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('tenant_id', '=', tenantId)
    .where('time', '<', before)
    .executeTakeFirst();
  const pending = await db
    .selectFrom('event_streams as s')
    .innerJoin('event_endpoints as e', 'e.id', 's.endpoint_id')
    .select((eb) => eb.fn.min('s.delivered_seq').as('seq'))
    .where('s.tenant_id', '=', tenantId)
    .where('e.enabled', '=', dialect.codec.encodeBoolean(true))
    .executeTakeFirst();
  const projected = await db
    .selectFrom('history_projection')
    .select('through')
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
  const oldest = Math.min(old?.seq == null ? 0 : Number(old.seq), Number(projected?.through ?? 0));
  return pending?.seq == null ? oldest : Math.min(oldest, Number(pending.seq));
}

/**
 * Retention of the change feed. `project` first brings a tenant's history projection up to date
 * (it also moves the watermark past events without a delta, e.g. with SCIMD_HISTORY=off), so
 * that events are kept for it no longer than necessary; if it fails, the watermark still bounds
 * what is removed.
 */
export async function pruneEvents(
  db: Kysely<Database>,
  dialect: SqlDialect,
  before: string,
  project: (tenantId: string) => Promise<void> = async () => undefined,
): Promise<number> {
  const tenants = await db.selectFrom('event_sequences').select(['tenant_id', 'pruned_through']).execute();
  let removed = 0;
  for (const tenant of tenants) {
    await project(tenant.tenant_id).catch(() => undefined);
    const bound = await pruneBound(db, dialect, tenant.tenant_id, before);
    if (bound <= Number(tenant.pruned_through)) continue;
    // Mark first, then delete, in one transaction: a reader never sees a gap it is not told about.
    removed += await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('event_sequences')
        .set({ pruned_through: bound })
        .where('tenant_id', '=', tenant.tenant_id)
        .where('pruned_through', '<', bound)
        .execute();
      const result = await trx
        .deleteFrom('events')
        .where('tenant_id', '=', tenant.tenant_id)
        .where('seq', '<=', bound)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    });
  }
  await db.deleteFrom('event_dead_letters').where('dead_at', '<', before).where('state', '<>', 'retrying').execute();
  return removed;
}

/** Which of `ids` (every member when undefined) are members of the group, with their type. */
export async function membersAmong(
  { db, dialect, tenantId }: SqlScope,
  groupId: string,
  ids: readonly string[] | undefined,
): Promise<Map<string, MemberRef['type']>> {
  const found = new Map<string, MemberRef['type']>();
  const key = { tenant: tenantId, group: groupId };
  const parts = ids === undefined ? [undefined] : chunk(ids, 1, dialect.fragments.maxParameters);
  for (const part of parts) {
    if (part?.length === 0) continue;
    const rows =
      part === undefined
        ? await allMembers.execute(db, key)
        : await membersIn(part.length).execute(db, { ...idValues(tenantId, part), group: groupId });
    for (const row of rows) found.set(row.member_id, row.member_type as MemberRef['type']);
  }
  return found;
}

type MemberRow = { member_id: string; member_type: string };

const allMembers = template<'tenant' | 'group', MemberRow>((db, slot) =>
  db
    .selectFrom('group_members')
    .select(['member_id', 'member_type'])
    .where('tenant_id', '=', slot('tenant'))
    .where('group_id', '=', slot('group')),
);

const membersIn = templateFamily<number, string, MemberRow>(
  (n, db, slot) =>
    db
      .selectFrom('group_members')
      .select(['member_id', 'member_type'])
      .where('tenant_id', '=', slot('tenant'))
      .where('group_id', '=', slot('group'))
      .where('member_id', 'in', idSlots(n, slot)),
  SMALL_LISTS,
);
