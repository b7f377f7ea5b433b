/**
 * Named prepared statements for the statement templates (template.ts): a connection parses and
 * plans a template's text once and then only binds and runs it, where an unnamed statement is
 * parsed, analysed and planned on every run. Measured on this project's machine: about 45 % less
 * server CPU and 25–30 % less time per statement for the point reads and writes of a SCIM request
 * (docs/postgres.md, "Prepared statements"). Any other statement (a filter's own SQL, the
 * console's queries, migrations) runs unnamed as before.
 *
 * A unit's SAVEPOINT (group-commit.ts) travels with the unit's next statement: once a connection
 * has prepared it, the SAVEPOINT is answered at once and held back, and the next template sent
 * on that connection goes as one message with it in front (Bind and Execute of the SAVEPOINT,
 * then the statement's own, one Sync). The server runs them in order and answers both in one
 * round trip; if the SAVEPOINT fails the statement is not run and fails with its error. In a
 * batch of a tenant's writes, which hold the tenant's lock across every round trip, that is one
 * round trip less per write but the first (docs/postgres.md, "Round trips per request").
 *
 * `SCIMD_DATABASE_PREPARED_STATEMENTS=off` sends every statement unnamed and alone, for a pooler
 * that cannot keep named statements (PgBouncer before 1.21 in transaction mode, or without
 * `max_prepared_statements`).
 */
import pg from 'pg';
import { SAVEPOINT_TEXT } from '../group-commit.js';
import { templateTexts } from '../template.js';

/** What node-pg's Connection offers a query while it is sent (the calls pg's own Query makes). */
interface WireConnection {
  readonly parsedStatements: Record<string, string>;
  bind(config: { portal: string; statement: string; values: unknown[] }): void;
  execute(config: { portal: string; rows: number }): void;
}

/** node-pg's Query, with the two methods this file extends (not in its type declarations). */
declare class PgQuery {
  constructor(config: pg.QueryConfig & { queryMode?: 'extended' });
  callback: ((error: Error | null, result?: pg.QueryResult) => void) | undefined;
  prepare(connection: WireConnection): void;
  handleCommandComplete(message: unknown, connection: WireConnection): void;
}
const Query = pg.Query as unknown as typeof PgQuery;

/** The held SAVEPOINT's answer to Kysely, which reads `command`, `rowCount` and `rows`. */
const SAVEPOINT_ANSWER = { command: 'SAVEPOINT', rowCount: null, rows: [], fields: [], oid: 0 };

/** A statement with a prepared SAVEPOINT in front of it, both in one round trip. */
class SavepointFirst extends Query {
  #savepointAnswered = false;

  constructor(
    config: pg.QueryConfig,
    /** The SAVEPOINT's prepared statement on this connection (also read by test recorders). */
    readonly savepoint: string,
  ) {
    // Extended protocol even without values: the SAVEPOINT's messages go before the statement's.
    super({ ...config, queryMode: 'extended' });
  }

  override prepare(connection: WireConnection): void {
    // No Describe: the SAVEPOINT answers BindComplete and CommandComplete, no rows. Both use the
    // unnamed portal; the statement's Bind replaces the SAVEPOINT's, which has run by then.
    connection.bind({ portal: '', statement: this.savepoint, values: [] });
    connection.execute({ portal: '', rows: 0 });
    super.prepare(connection);
  }

  override handleCommandComplete(message: unknown, connection: WireConnection): void {
    if (this.#savepointAnswered) {
      super.handleCommandComplete(message, connection);
      return;
    }
    this.#savepointAnswered = true;
  }
}

/** A pg client that runs the texts of templates as named statements. */
export class PreparingClient extends pg.Client {
  /** A SAVEPOINT answered but not sent yet: its prepared statement's name. */
  heldSavepoint: string | undefined;
}

type QueryFunction = (this: pg.Client, ...args: unknown[]) => unknown;

/** Sends `query` (a pg Query) and answers with its result, as pg's `query(text, values)` does. */
function submit(client: pg.Client, base: QueryFunction, query: SavepointFirst): Promise<pg.QueryResult> {
  return new Promise((resolve, reject) => {
    query.callback = (error, result) => (error ? reject(error) : resolve(result!));
    base.call(client, query);
  });
}

// node-pg's `query` has many overloads; only the one Kysely uses, (text, values), is named. The
// base method is looked up per call, so whatever wraps pg.Client's (a test's recorder) still runs.
PreparingClient.prototype.query = function query(this: PreparingClient, ...args: unknown[]) {
  const base = pg.Client.prototype.query as QueryFunction;
  const [text, values] = args;
  const name =
    args.length === 2 && typeof text === 'string' && Array.isArray(values) ? templateTexts.nameOf(text) : undefined;
  const parsed =
    name !== undefined && (this.connection as unknown as WireConnection).parsedStatements[name] !== undefined;
  const held = this.heldSavepoint;
  this.heldSavepoint = undefined;
  if (text === SAVEPOINT_TEXT && parsed && held === undefined) {
    this.heldSavepoint = name;
    return Promise.resolve(SAVEPOINT_ANSWER);
  }
  const config = name === undefined ? undefined : { name, text: text as string, values: values as unknown[] };
  // Only a statement the connection has prepared carries the SAVEPOINT: one parsed in the same
  // message would be recorded by node-pg as prepared even if its parse failed.
  if (held !== undefined && config !== undefined && parsed) return submit(this, base, new SavepointFirst(config, held));
  // Otherwise a held SAVEPOINT goes first, alone. pg sends one statement after the other; if the
  // SAVEPOINT fails, so does the statement (the transaction is aborted), unless it is a
  // ROLLBACK, which is then right to succeed.
  if (held !== undefined)
    (base.call(this, { name: held, text: SAVEPOINT_TEXT }) as Promise<unknown>).catch(() => undefined);
  return config === undefined ? base.apply(this, args) : base.call(this, config);
} as pg.Client['query'];

/** Forgets a held SAVEPOINT of a connection going back to the pool (a unit always ends with a statement that carries it). */
export function forgetHeldSavepoint(client: pg.PoolClient): void {
  if (client instanceof PreparingClient) client.heldSavepoint = undefined;
}
