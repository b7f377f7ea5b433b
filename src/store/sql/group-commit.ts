/**
 * Group commit: units of work of one lane (SQLite: the whole process, which reaches the database
 * through a single connection; PostgreSQL: one tenant, whose writers a lock serialises) that
 * queue up while that lane's transaction is in flight share the next transaction, each inside a
 * SAVEPOINT of its own, and are answered together after one COMMIT.
 *
 * Why: a lane's writes are serial, so its throughput is at most one write per lock hold. A
 * COMMIT writes (SQLite: every page the transaction changed to the WAL; PostgreSQL: the WAL, with
 * an fsync) and took a quarter of a SQLite create's CPU and about half of a PostgreSQL create's
 * lock hold, together with BEGIN and the tenant lock (docs/benchmarks.md, docs/postgres.md).
 * Units of one batch share the BEGIN, the lock and the COMMIT.
 *
 * What does not change: a unit's effects are all or nothing (a unit that throws is rolled back
 * to its savepoint, or with the whole transaction when it ran first, and answered with its
 * error; the others go on); nothing is answered before the COMMIT that makes it durable, and a
 * failed COMMIT fails every unit of the batch; a batch holds its connection throughout, so no
 * reader ever sees work that is not committed. Lanes are independent: each drains on a
 * connection of its own, so different tenants' batches run in parallel on a pool.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from './tables.js';
import { template } from './template.js';

/** Most units in one transaction: bounds how long a batch keeps readers (and its lane) waiting. */
export const MAX_UNITS_PER_COMMIT = 16;

/**
 * A unit's work: `begun` is what `begin` returned for the transaction; `later` takes the outcome
 * of the unit's last statement when it went unanswered (unanswered.ts): the unit succeeds only if
 * that does too.
 */
export type UnitWork<B, T> = (conn: Kysely<Database>, begun: B, later: (outcome: Promise<void>) => void) => Promise<T>;

interface Unit<B> {
  readonly work: UnitWork<B, unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

export interface GroupCommit<B> {
  /** Runs `work` in a transaction shared with other units of `lane`; settles after that transaction's COMMIT. */
  run<T>(lane: string, work: UnitWork<B, T>): Promise<T>;
}

/** Opens a lane's transaction on `conn` (SQLite: BEGIN IMMEDIATE; PostgreSQL: BEGIN and the tenant lock). */
export type BeginBatch<B> = (conn: Kysely<Database>, lane: string) => Promise<B>;

// Savepoints of one batch all have the same name; ROLLBACK TO and RELEASE act on the most recent
// of that name (the failing unit's). Where a statement is a round trip inside the tenant's lock
// (PostgreSQL), a unit that succeeds keeps its savepoint: the next unit's nests inside it (at
// most MAX_UNITS_PER_COMMIT deep) and COMMIT releases them all. Where it is a function call
// (SQLite), each is released at once, so that only one savepoint is ever open.
/** A unit's savepoint (PostgreSQL sends it with the unit's first statement, postgres/prepared.ts). */
export const SAVEPOINT_TEXT = 'savepoint unit_of_work';
/** Back to the most recent unit's savepoint (PostgreSQL's clients send it when a unit's unanswered last statement failed). */
export const ROLLBACK_TO_TEXT = 'rollback to unit_of_work';
const savepoint = template<never, never>((db) => ({ compile: () => sql.raw(SAVEPOINT_TEXT).compile(db) }));
const release = template<never, never>((db) => ({ compile: () => sql`release unit_of_work`.compile(db) }));
const rollbackTo = template<never, never>((db) => ({ compile: () => sql.raw(ROLLBACK_TO_TEXT).compile(db) }));
const commit = template<never, never>((db) => ({ compile: () => sql`commit`.compile(db) }));

/** One turn of the event loop: requests that arrived meanwhile get to queue their units. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface GroupCommitOptions {
  /**
   * RELEASE each unit's savepoint when it succeeds (see above). Otherwise the first unit has a
   * savepoint too: its last statement may go unanswered (unanswered.ts), and fail when the next
   * statement's answer comes, which is then rolled back to that savepoint.
   */
  readonly releaseEachUnit: boolean;
}

export function createGroupCommit<B>(
  db: Kysely<Database>,
  begin: BeginBatch<B>,
  { releaseEachUnit }: GroupCommitOptions,
): GroupCommit<B> {
  /** Queued units per lane; a lane is present while it drains. */
  const lanes = new Map<string, Unit<B>[]>();

  async function runBatch(conn: Kysely<Database>, lane: string, queue: Unit<B>[]): Promise<void> {
    let begun: B;
    try {
      begun = await begin(conn, lane);
    } catch (error) {
      // No transaction to be had (SQLite: another process held the write lock past busy_timeout;
      // PostgreSQL: the tenant does not exist): the units waiting now fail as a lone unit would
      // have, instead of waiting for ever. `begin` leaves no transaction open.
      for (const unit of queue.splice(0)) unit.reject(error);
      return;
    }
    // `failure`: what the unit's unanswered last statement failed with, once it has answered.
    const done: { unit: Unit<B>; value: unknown; failure?: Promise<{ error: unknown } | undefined> }[] = [];
    let ran = 0;
    let current: Unit<B> | undefined;
    try {
      let waited = false;
      while (ran < MAX_UNITS_PER_COMMIT) {
        if (queue.length === 0) {
          // Wait once per batch for the units of requests that are on their way.
          if (waited) break;
          waited = true;
          await nextTurn();
          if (queue.length === 0) break;
        }
        current = queue.shift()!;
        // The first unit needs no savepoint where statements are answered at once: if it throws,
        // the whole transaction is its own, and a lone unit (the common case when a lane is
        // quiet) costs no more than it did alone.
        const first = ran === 0;
        ran++;
        if (!first || !releaseEachUnit) await savepoint.execute(conn, {});
        try {
          let last: Promise<void> | undefined;
          const value = await current.work(conn, begun, (outcome) => {
            last = outcome;
          });
          if (!first && releaseEachUnit) await release.execute(conn, {});
          const failure = last?.then(
            () => undefined,
            (error: unknown) => ({ error }),
          );
          done.push({ unit: current, value, ...(failure && { failure }) });
        } catch (error) {
          if (first) {
            // The original error matters more than a failed rollback (SQLite may already have
            // rolled back, e.g. on SQLITE_FULL); the connection is left outside any transaction.
            await sql`rollback`.execute(conn).catch(() => undefined);
            current.reject(error);
            current = undefined;
            return; // the units still queued start a transaction of their own
          }
          // Throws in turn when the database has already ended the transaction (SQLITE_FULL,
          // an I/O error): then the whole batch fails, below.
          await rollbackTo.execute(conn, {});
          await release.execute(conn, {});
          current.reject(error);
        }
        current = undefined;
      }
      await commit.execute(conn, {});
    } catch (error) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      current?.reject(error);
      for (const { unit } of done) unit.reject(error);
      return;
    }
    // Every unanswered statement has answered by now: it travelled with a later one or the COMMIT.
    for (const { unit, value, failure } of done) {
      const failed = await failure;
      if (failed === undefined) unit.resolve(value);
      else unit.reject(failed.error);
    }
  }

  async function drain(lane: string, queue: Unit<B>[]): Promise<void> {
    try {
      while (queue.length > 0) await db.connection().execute((conn) => runBatch(conn, lane, queue));
    } catch (error) {
      // No connection to be had (the store is closing, or the pool timed out): nothing queued can run.
      for (const unit of queue.splice(0)) unit.reject(error);
    } finally {
      lanes.delete(lane);
    }
  }

  return {
    run<T>(lane: string, work: UnitWork<B, T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const unit: Unit<B> = { work, resolve: resolve as (value: unknown) => void, reject };
        const queue = lanes.get(lane);
        if (queue !== undefined) {
          queue.push(unit);
          return;
        }
        const fresh = [unit];
        lanes.set(lane, fresh);
        void drain(lane, fresh);
      });
    },
  };
}
