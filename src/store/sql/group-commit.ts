/**
 * Group commit, for a database that one process reaches through a single connection (SQLite):
 * units of work that queue up while another runs share its transaction, each inside a
 * SAVEPOINT of its own, and are answered together after one COMMIT.
 *
 * Why: a COMMIT writes every page the transaction changed to the WAL, and a user create changes
 * about 16 (the row, its indexes, the outbox event, the sequence row): the COMMIT alone was a
 * quarter of a create's CPU (docs/benchmarks.md). Units of one batch share the pages they both
 * change and the BEGIN/COMMIT.
 *
 * What does not change: a unit's effects are all or nothing (a unit that throws is rolled back
 * to its savepoint and answered with its error, the others go on); nothing is answered before
 * the COMMIT that makes it durable, and a failed COMMIT fails every unit of the batch; no other
 * statement runs on the connection while a batch is open (the batch holds it throughout), so no
 * reader ever sees work that is not committed.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from './tables.js';
import { template } from './template.js';

/** Most units in one transaction: bounds how long a batch keeps readers waiting. */
export const MAX_UNITS_PER_COMMIT = 16;

interface Unit {
  readonly work: (conn: Kysely<Database>) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

export interface GroupCommit {
  /** Runs `work` in a transaction shared with other units; settles after that transaction's COMMIT. */
  run<T>(work: (conn: Kysely<Database>) => Promise<T>): Promise<T>;
}

const savepoint = template<never, never>((db) => ({ compile: () => sql`savepoint unit_of_work`.compile(db) }));
const release = template<never, never>((db) => ({ compile: () => sql`release unit_of_work`.compile(db) }));
const rollbackTo = template<never, never>((db) => ({ compile: () => sql`rollback to unit_of_work`.compile(db) }));
const commit = template<never, never>((db) => ({ compile: () => sql`commit`.compile(db) }));

/** One turn of the event loop: requests that arrived meanwhile get to queue their units. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** `begin` opens the transaction on the connection (SQLite: BEGIN IMMEDIATE). */
export function createGroupCommit(db: Kysely<Database>, begin: (conn: Kysely<Database>) => Promise<void>): GroupCommit {
  const queue: Unit[] = [];
  let draining = false;

  async function runBatch(conn: Kysely<Database>): Promise<void> {
    try {
      await begin(conn);
    } catch (error) {
      // No transaction to be had (another process held the write lock past busy_timeout): the
      // units waiting now fail as a lone unit would have, instead of waiting for ever.
      for (const unit of queue.splice(0)) unit.reject(error);
      return;
    }
    const done: { unit: Unit; value: unknown }[] = [];
    let current: Unit | undefined;
    try {
      let waited = false;
      while (done.length < MAX_UNITS_PER_COMMIT) {
        if (queue.length === 0) {
          // Wait once per batch for the units of requests that are on their way.
          if (waited) break;
          waited = true;
          await nextTurn();
          if (queue.length === 0) break;
        }
        current = queue.shift()!;
        await savepoint.execute(conn, {});
        try {
          const value = await current.work(conn);
          await release.execute(conn, {});
          done.push({ unit: current, value });
        } catch (error) {
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
    for (const { unit, value } of done) unit.resolve(value);
  }

  async function drain(): Promise<void> {
    draining = true;
    try {
      while (queue.length > 0) await db.connection().execute(runBatch);
    } catch (error) {
      // No connection to be had (the store is closing): nothing queued can run.
      for (const unit of queue.splice(0)) unit.reject(error);
    } finally {
      draining = false;
    }
  }

  return {
    run<T>(work: (conn: Kysely<Database>) => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
        if (!draining) void drain();
      });
    },
  };
}
