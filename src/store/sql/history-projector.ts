/**
 * The history projector (docs/history.md "The model"): writes store their access history delta
 * with their first change event (`events.access_delta`, events.ts), in the write's own
 * transaction and statement; this materialises the deltas into `access_history` later, many
 * writes at a time, off the request's path.
 *
 * - Order: a tenant's deltas are applied in sequence order, in batches of up to `BATCH_EVENTS`
 *   events, one transaction per batch that also advances the tenant's watermark
 *   (`history_projection.through`): a batch is applied once or not at all.
 * - When: after writes that stored a delta commit (coalesced, see `QUIET_MS`); at
 *   start-up for every tenant behind; before every read of the tenant's history (so reads
 *   include every write committed before them); before retention removes events.
 * - Several processes: on PostgreSQL a batch starts by locking the tenant's watermark row
 *   (`FOR UPDATE`) and re-reading it, so two projectors of a tenant never apply the same events,
 *   and writers, which never touch that row, never wait for a projector. On SQLite a batch is a
 *   unit of the store's group commit (one writer at a time; it shares the writers' transaction
 *   instead of fighting them for the write lock).
 * - A batch's rows are inserted by a few multi-row INSERTs at its end. Closes (spans ended) and a
 *   deleted group's members leaving are applied in order: to the rows of earlier batches by the
 *   same statements a write ran inline before the projector, and to the batch's own rows (not
 *   inserted yet) in memory, so the result is the same row for row.
 */
import { type Kysely, sql } from 'kysely';
import type {
  AccessDelta,
  AccessEventKind,
  NewAccessRow,
  SpanClose,
  SpanKind,
  UnsequencedAccessDelta,
} from '../history-port.js';
import type { SqlDialect } from './dialect.js';
import { endGroupSpans, endSpans } from './history.js';
import type { AccessHistoryTable, Database } from './tables.js';
import { rowSlots, template, templateFamily } from './template.js';

/** Most events read and applied in one transaction. */
export const BATCH_EVENTS = 1000;

/**
 * When the background projection starts: once no write stored a delta for `QUIET_MS` (a pause
 * in the writes), and during a burst that never pauses, `MAX_DELAY_MS` after the first write that
 * waits or once `MAX_PENDING` writes wait, whichever comes first. Writes arriving meanwhile join
 * the batch, so the projection keeps off the writes' way while an IdP's cycle runs and does its
 * work in the pause after it (docs/history.md "Cost"); larger batches also write each index page
 * once for many writes. The bounds keep a long burst's backlog, which the next read of the
 * history projects before answering (a read never waits for this), to one or two seconds of
 * projection (0.1–0.17 ms a write measured, docs/history.md). Returns how many milliseconds to
 * wait still; 0 or less: start now.
 */
export const QUIET_MS = 100;
export const MAX_DELAY_MS = 30_000;
export const MAX_PENDING = 10_000;

export function projectionDueIn(now: number, firstWrite: number, lastWrite: number, pending: number): number {
  if (pending >= MAX_PENDING) return 0;
  return Math.min(lastWrite + QUIET_MS, firstWrite + MAX_DELAY_MS) - now;
}

// The delta as stored: compact JSON, positional. Time, request id and sequence number are the
// event row's own columns.
type StoredSpan = [kind: SpanKind, key: string, nameFold: string, active: boolean | null];
type StoredRow =
  | [userId: string, kind: AccessEventKind, userName: string | null, detail: Record<string, unknown>]
  | [string, AccessEventKind, string | null, Record<string, unknown>, ...StoredSpan];
type StoredClose = [userId: string] | [userId: string, kind: SpanKind] | [userId: string, kind: SpanKind, key: string];
interface StoredDelta {
  /** A deleted group: id, displayName. */
  g?: [string, string];
  c?: StoredClose[];
  r?: StoredRow[];
}

function encodeClose(c: SpanClose): StoredClose {
  if (c.kind === undefined) return [c.userId];
  return c.key === undefined ? [c.userId, c.kind] : [c.userId, c.kind, c.key];
}

function encodeRow(row: NewAccessRow): StoredRow {
  const base = [row.userId, row.kind, row.userName, row.detail as Record<string, unknown>] as const;
  const span = row.span;
  if (span === undefined) return [...base];
  return [...base, span.kind, span.key, span.nameFold, span.active ?? null];
}

/** A write's delta as `events.access_delta` holds it. */
export function encodeAccessDelta(delta: UnsequencedAccessDelta): string {
  const stored: StoredDelta = {};
  if (delta.groupDeleted) stored.g = [delta.groupDeleted.id, delta.groupDeleted.displayName];
  if (delta.close.length > 0) stored.c = delta.close.map(encodeClose);
  if (delta.rows.length > 0) stored.r = delta.rows.map(encodeRow);
  return JSON.stringify(stored);
}

/** The delta of the event `seq`, at its time and request id. */
export function decodeAccessDelta(text: string, seq: number, time: string, requestId: string | null): AccessDelta {
  const stored = JSON.parse(text) as StoredDelta;
  const close = (stored.c ?? []).map(
    ([userId, kind, key]): SpanClose => ({
      userId,
      ...(kind === undefined ? {} : { kind }),
      ...(key === undefined ? {} : { key }),
    }),
  );
  const rows = (stored.r ?? []).map((r): NewAccessRow => {
    const row = { userId: r[0], kind: r[1], userName: r[2], detail: r[3] };
    if (r.length === 4) return row;
    const [, , , , kind, key, nameFold, active] = r;
    return { ...row, span: { kind, key, nameFold, ...(active === null ? {} : { active }) } };
  });
  return {
    time,
    requestId,
    seq,
    ...(stored.g === undefined ? {} : { groupDeleted: { id: stored.g[0], displayName: stored.g[1] } }),
    close,
    rows,
  };
}

type Row = AccessHistoryTable;

const matches = (row: Row, c: SpanClose) =>
  row.user_id === c.userId &&
  row.span !== null &&
  row.valid_to === null &&
  (c.kind === undefined || row.span === c.kind) &&
  (c.key === undefined || row.span_key === c.key);

/**
 * Applies `deltas` (in sequence order) to the tenant's history on `conn`, inside its transaction:
 * closes spans of earlier rows by SQL (history.ts), the batch's own rows in memory, and inserts
 * the batch's rows together at the end. `TenantWriter.appendAccessHistory` is a batch of one.
 */
export async function applyDeltas(
  conn: Kysely<Database>,
  dialect: SqlDialect,
  tenantId: string,
  deltas: readonly AccessDelta[],
): Promise<void> {
  const rows: Row[] = [];
  // The batch's rows by user, for the closes (a user's rows are few).
  const byUser = new Map<string, Row[]>();
  const groupSpans = new Map<string, Row[]>();
  for (const delta of deltas) {
    const at = delta.time;
    if (delta.groupDeleted) {
      const group = delta.groupDeleted;
      await endGroupSpans(conn, tenantId, delta, group);
      const detail = JSON.stringify(group);
      for (const span of groupSpans.get(group.id) ?? []) {
        if (span.valid_to !== null) continue;
        span.valid_to = at;
        const left: Row = {
          tenant_id: tenantId,
          user_id: span.user_id,
          seq: delta.seq,
          ord: 0,
          at,
          request_id: delta.requestId,
          kind: 'group_left',
          user_name: null,
          detail,
          span: null,
          span_key: null,
          name_fold: null,
          active: null,
          valid_to: null,
        };
        rows.push(left);
        byUser.get(span.user_id)?.push(left);
      }
    }
    if (delta.close.length > 0) {
      await endSpans(conn, dialect, tenantId, delta.close, at);
      for (const c of delta.close) {
        for (const row of byUser.get(c.userId) ?? []) if (matches(row, c)) row.valid_to = at;
      }
    }
    delta.rows.forEach((r, ord) => {
      const span = r.span;
      const row: Row = {
        tenant_id: tenantId,
        user_id: r.userId,
        seq: delta.seq,
        ord,
        at,
        request_id: delta.requestId,
        kind: r.kind,
        user_name: r.userName,
        detail: JSON.stringify(r.detail),
        span: span?.kind ?? null,
        span_key: span?.key ?? null,
        name_fold: span?.nameFold ?? null,
        active: span?.kind === 'user' ? (span.active === false ? 0 : 1) : null,
        valid_to: null,
      };
      rows.push(row);
      const mine = byUser.get(r.userId);
      if (mine === undefined) byUser.set(r.userId, [row]);
      else mine.push(row);
      if (span?.kind === 'group') {
        const members = groupSpans.get(span.key);
        if (members === undefined) groupSpans.set(span.key, [row]);
        else members.push(row);
      }
    });
  }
  for (let from = 0; from < rows.length; from += ROWS_PER_INSERT) {
    const part = rows.slice(from, from + ROWS_PER_INSERT);
    await insertRows(part.length).execute(conn, {}, part);
  }
}

/** Every column of an `access_history` row, in the order the projector's INSERTs bind them. */
export const ACCESS_HISTORY_COLUMNS = [
  'tenant_id',
  'user_id',
  'seq',
  'ord',
  'at',
  'request_id',
  'kind',
  'user_name',
  'detail',
  'span',
  'span_key',
  'name_fold',
  'active',
  'valid_to',
] as const;

/**
 * Rows per INSERT: a batch's full statements share one compiled and prepared statement (a
 * statement per batch size was compiled and prepared anew each time); well under every
 * dialect's `maxParameters`.
 */
const ROWS_PER_INSERT = 100;

const insertRows = templateFamily<number, string, never>(
  (n, db) => db.insertInto('access_history').values(rowSlots(ACCESS_HISTORY_COLUMNS, n)),
  { keep: (n) => n <= ROWS_PER_INSERT },
);

// A projection runs these per tenant; with writes spread over many tenants that is about one
// projection per write, so they are templates (template.ts), compiled once, not built each time.

const lastSeq = template<'tenant', { last_seq: number | string }>((db, slot) =>
  db.selectFrom('event_sequences').select('last_seq').where('tenant_id', '=', slot('tenant')),
);

const selectThrough = (db: Kysely<Database>, slot: (name: 'tenant') => never) =>
  db.selectFrom('history_projection').select('through').where('tenant_id', '=', slot('tenant'));
const through = template<'tenant', { through: number | string }>(selectThrough);
const lockedThroughRow = template<'tenant', { through: number | string }>((db, slot) =>
  selectThrough(db, slot).forUpdate(),
);

const startWatermark = template<'tenant', never>((db, slot) =>
  db
    .insertInto('history_projection')
    .values({ tenant_id: slot('tenant'), through: 0 })
    .onConflict((oc) => oc.column('tenant_id').doNothing()),
);

const pendingEvents = template<
  'tenant' | 'after' | 'last',
  { seq: number | string; time: string; request_id: string | null; access_delta: string | null }
>((db, slot) =>
  db
    .selectFrom('events')
    .select(['seq', 'time', 'request_id', 'access_delta'])
    .where('tenant_id', '=', slot('tenant'))
    .where('seq', '>', slot('after'))
    .where('seq', '<=', slot('last'))
    .where('access_delta', 'is not', null)
    .orderBy('seq')
    .limit(BATCH_EVENTS),
);

const moveWatermark = template<'tenant' | 'through', never>((db, slot) =>
  db
    .updateTable('history_projection')
    .set({ through: slot('through') })
    .where('tenant_id', '=', slot('tenant')),
);

const behind = template<'tenant', { last_seq: number | string; through: number | string | null }>((db, slot) =>
  db
    .selectFrom('event_sequences as s')
    .leftJoin('history_projection as h', 'h.tenant_id', 's.tenant_id')
    .select(['s.last_seq', 'h.through'])
    .where('s.tenant_id', '=', slot('tenant')),
);

/** The tenant's watermark; locked until the transaction ends where rows can be locked. */
async function lockedThrough(conn: Kysely<Database>, dialect: SqlDialect, tenantId: string) {
  const row = await (dialect.fragments.rowLocking ? lockedThroughRow : through).first(conn, { tenant: tenantId });
  return row === undefined ? undefined : Number(row.through);
}

/**
 * One batch of the tenant's pending deltas on `conn`, inside its transaction: reads the
 * watermark under its lock, applies the next events' deltas and moves the watermark past them.
 * Returns whether more are pending.
 */
export async function projectBatch(conn: Kysely<Database>, dialect: SqlDialect, tenantId: string): Promise<boolean> {
  const lastRow = await lastSeq.first(conn, { tenant: tenantId });
  if (lastRow === undefined) return false;
  const last = Number(lastRow.last_seq);
  let after = await lockedThrough(conn, dialect, tenantId);
  if (after === undefined) {
    await startWatermark.execute(conn, { tenant: tenantId });
    after = (await lockedThrough(conn, dialect, tenantId)) ?? 0;
  }
  if (last <= after) return false;
  const events = await pendingEvents.execute(conn, { tenant: tenantId, after, last });
  const deltas = events.map((e) => decodeAccessDelta(e.access_delta!, Number(e.seq), e.time, e.request_id));
  await applyDeltas(conn, dialect, tenantId, deltas);
  const reached = events.length === BATCH_EVENTS ? Number(events[events.length - 1]!.seq) : last;
  await moveWatermark.execute(conn, { tenant: tenantId, through: reached });
  return reached < last;
}

/** Whether the tenant has events past its watermark (one read, no lock). */
export async function isBehind(db: Kysely<Database>, tenantId: string): Promise<boolean> {
  const row = await behind.first(db, { tenant: tenantId });
  return row !== undefined && Number(row.last_seq) > Number(row.through ?? 0);
}

/** Projects everything pending for the tenant inside the caller's transaction on `conn`. */
export async function projectWithin(conn: Kysely<Database>, dialect: SqlDialect, tenantId: string): Promise<void> {
  if (!(await isBehind(conn, tenantId))) return;
  while (await projectBatch(conn, dialect, tenantId));
}

export interface HistoryProjector {
  /** A write that stored a delta for the tenant committed: project it soon, in the background. */
  schedule(tenantId: string): void;
  /** Projects everything committed for the tenant before this call (reads, retention). */
  catchUp(tenantId: string): Promise<void>;
  /** Resolves when no projection is running or due to start (start-up's included). */
  settled(): Promise<void>;
  /** Stops scheduling and waits for the projections running (each stops after its batch). */
  close(): Promise<void>;
}

export interface HistoryProjectorOptions {
  /** Runs `work` in a transaction of its own (SQLite: a unit of the group commit). */
  readonly transaction: (work: (conn: Kysely<Database>) => Promise<boolean>) => Promise<boolean>;
  /**
   * Project after writes and at start-up (default). Without it, deltas wait for a read or for
   * retention (tests of the deferral, and of a process that died before projecting).
   */
  readonly background?: boolean;
}

export function createHistoryProjector(
  db: Kysely<Database>,
  dialect: SqlDialect,
  { transaction, background = true }: HistoryProjectorOptions,
): HistoryProjector {
  /** Per tenant: the latest run, which later runs queue behind. */
  const running = new Map<string, Promise<void>>();
  /** Per tenant: a run that has not started yet; a caller arriving meanwhile shares it. */
  const queued = new Map<string, Promise<void>>();
  const dirty = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let firstWrite = 0;
  let lastWrite = 0;
  /** Writes that stored a delta since the last background projection started. */
  let pending = 0;
  let closing = false;

  async function project(tenantId: string): Promise<void> {
    if (!(await isBehind(db, tenantId))) return;
    while (!closing && (await transaction((conn) => projectBatch(conn, dialect, tenantId))));
  }

  function catchUp(tenantId: string): Promise<void> {
    const waiting = queued.get(tenantId);
    if (waiting !== undefined) return waiting;
    const before = running.get(tenantId);
    const run = (before ?? Promise.resolve()).then(() => {
      queued.delete(tenantId);
      return project(tenantId);
    });
    queued.set(tenantId, run);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    running.set(tenantId, settled);
    void settled.then(() => {
      if (running.get(tenantId) === settled) running.delete(tenantId);
    });
    return run;
  }

  /** In the background a failure waits for the next write, read or retention pass to retry. */
  const quietly = (tenantId: string) => void catchUp(tenantId).catch(() => undefined);

  function flush(): void {
    const wait = projectionDueIn(performance.now(), firstWrite, lastWrite, pending);
    if (wait > 0) {
      timer = setTimeout(flush, wait);
      return;
    }
    timer = undefined;
    pending = 0;
    const tenants = [...dirty];
    dirty.clear();
    for (const tenantId of tenants) quietly(tenantId);
  }

  // Start-up: deltas a process left unprojected (it stopped, or died) are projected now.
  const startUp = !background
    ? Promise.resolve()
    : db
        .selectFrom('event_sequences as s')
        .leftJoin('history_projection as h', 'h.tenant_id', 's.tenant_id')
        .select('s.tenant_id')
        .where(sql<boolean>`s.last_seq > coalesce(h.through, 0)`)
        .execute()
        .then((tenants) => {
          if (!closing) for (const { tenant_id } of tenants) quietly(tenant_id);
        })
        .catch(() => undefined);

  async function settled(): Promise<void> {
    await startUp;
    while (running.size > 0) await Promise.all(running.values());
  }

  return {
    schedule(tenantId) {
      if (!background || closing) return;
      dirty.add(tenantId);
      lastWrite = performance.now();
      pending++;
      if (timer !== undefined) {
        if (pending === MAX_PENDING) {
          clearTimeout(timer);
          timer = setTimeout(flush, 0);
        }
        return;
      }
      firstWrite = lastWrite;
      timer = setTimeout(flush, QUIET_MS);
    },
    catchUp,
    settled,
    async close() {
      closing = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await settled();
    },
  };
}
