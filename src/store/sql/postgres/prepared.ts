/**
 * The pg clients of the pool: named prepared statements, and statements held back to travel with
 * the next one.
 *
 * Named prepared statements (`PreparingClient`): the statement templates (template.ts) run named,
 * so a connection parses and plans a template's text once and then only binds and runs it,
 * where an unnamed statement is parsed, analysed and planned on every run. Measured on this
 * project's machine: about 45 % less server CPU and 25–30 % less time per statement for the
 * point reads and writes of a SCIM request (docs/postgres.md, "Prepared statements"). Any other
 * statement (a filter's own SQL, the console's queries, migrations) runs unnamed as before.
 * `SCIMD_DATABASE_PREPARED_STATEMENTS=off` (`PipeliningClient` alone) names nothing, for a
 * pooler that cannot keep named statements (PgBouncer before 1.21 in transaction mode, or
 * without `max_prepared_statements`).
 *
 * Held statements (both clients): a unit of work's `BEGIN`, its tenant's lock (lifecycle.ts) and
 * a `SAVEPOINT` (group-commit.ts) need no answer before the next statement: the client answers
 * them at once and sends them in front of the next statement, in the same message (each one's
 * Parse, Bind and Execute, unnamed, then the statement's own, one Sync). The server
 * runs them in order and answers all in one round trip; if one fails, the rest are not run and
 * the statement fails with that error. A write holds its tenant's lock across every round trip,
 * so this is one round trip less per write alone and per write of a batch (docs/postgres.md,
 * "Round trips per request"). Before a text that cannot carry them (several statements in one
 * text, sent with the simple protocol) they go alone, as before.
 *
 * A unit of work's last statement (unanswered.ts: a write's events, with the write) is held the
 * same way once the connection has prepared it, and answered at once with its outcome, which
 * settles when the statement that carries it (the next unit's first, or the COMMIT) is answered.
 * If it fails, the transaction goes back to its unit's savepoint and what travelled behind it is
 * sent again: that unit alone fails, as if its statement had gone alone.
 */
import pg from 'pg';
import pgUtils from 'pg/lib/utils.js';
import { ROLLBACK_TO_TEXT, SAVEPOINT_TEXT } from '../group-commit.js';
import { templateTexts } from '../template.js';
import { OUTCOME, type UnansweredRow, unansweredTexts } from '../unanswered.js';
import { BEGIN_TEXT, LOCK_TEXT } from './lifecycle.js';

/** What node-pg's Connection offers a query while it is sent (the calls pg's own Query makes). */
interface WireConnection {
  readonly parsedStatements: Record<string, string>;
  readonly submittedNamedStatements: Record<string, string>;
  parse(config: { text: string; name: string; types: unknown[] }): void;
  bind(config: {
    portal: string;
    statement: string;
    values: unknown[];
    valueMapper: (value: unknown) => unknown;
  }): void;
  execute(config: { portal: string; rows: number }): void;
}

/** node-pg's Query, with the members this file uses (not all in its type declarations). */
declare class PgQuery {
  constructor(text: string, values: unknown[]);
  callback: ((error: Error | null, result?: pg.QueryResult) => void) | undefined;
  name: string | undefined;
  queryMode: 'extended' | undefined;
  readonly text: string;
  hasBeenParsed(connection: WireConnection): boolean;
  prepare(connection: WireConnection): void;
  handleCommandComplete(message: unknown, connection: WireConnection): void;
  handleDataRow(message: unknown): void;
  handleError(error: unknown, connection: WireConnection): void;
  readonly values: unknown[];
}
const Query = pg.Query as unknown as typeof PgQuery;
/** How node-pg turns a value into a parameter (what it uses for every statement's own). */
const { prepareValue } = pgUtils;

/** What a held statement answers at once: Kysely reads `command`, `rowCount` and `rows`. */
const HOLDABLE = new Map<string, string>([
  [BEGIN_TEXT, 'BEGIN'],
  [LOCK_TEXT, 'SELECT'],
  [SAVEPOINT_TEXT, 'SAVEPOINT'],
]);

/**
 * A statement answered at once and sent in front of the next one. BEGIN, the lock and SAVEPOINT
 * are parsed in the message that runs them (they are short); a unit's last statement
 * (unanswered.ts) runs by its name when the connection has prepared it.
 */
interface HeldStatement {
  readonly text: string;
  readonly values: readonly unknown[];
  readonly name?: string | undefined;
  /** Settles the outcome of a unit's last statement; absent for BEGIN, the lock and SAVEPOINT. */
  readonly settle?: (error?: unknown) => void;
}

/** The statement that takes the transaction back to before the unit whose last statement failed. */
const ROLLBACK_TO: HeldStatement = { text: ROLLBACK_TO_TEXT, values: [] };

/**
 * A statement with the held statements (often none) in front of it, all in one round trip. Made
 * from its text and values, not a config object, which node-pg would copy property by property.
 */
class HeldFirst extends Query {
  /** Held statements answered so far: answers before all of them are not the statement's. */
  #answered = 0;
  /** Which held statement failed, if one did: those after it did not run, nor did the statement. */
  failedHeld: number | undefined;

  constructor(
    text: string,
    values: unknown[],
    name: string | undefined,
    /** Also read by test recorders. */
    readonly held: readonly HeldStatement[],
  ) {
    super(text, values);
    this.name = name;
    // Extended protocol even without values: the held statements' messages go first.
    this.queryMode = 'extended';
  }

  override prepare(connection: WireConnection): void {
    // A named statement this connection has not prepared is parsed first: its ParseComplete is
    // then the first, which node-pg records as the statement's (it records every ParseComplete
    // under the query's name); if its parse fails, nothing after it runs and nothing is recorded.
    if (this.name && !this.hasBeenParsed(connection)) {
      connection.parse({ text: this.text, name: this.name, types: [] });
      connection.submittedNamedStatements[this.name] = this.text;
    }
    // No Describe: each answers ParseComplete (when parsed here), BindComplete, its rows if any
    // and CommandComplete. All use the unnamed portal, and those parsed here the unnamed
    // statement, each replacing the one run before it; the statement's own Parse or Bind
    // replaces the last.
    for (const { text, values, name } of this.held) {
      if (name === undefined) connection.parse({ text, name: '', types: [] });
      connection.bind({ portal: '', statement: name ?? '', values: [...values], valueMapper: prepareValue });
      connection.execute({ portal: '', rows: 0 });
    }
    super.prepare(connection);
  }

  override handleDataRow(message: unknown): void {
    // Rows of held statements are nobody's (the lock's; a unit's last statement checks in SQL).
    if (this.#answered === this.held.length) super.handleDataRow(message);
  }

  override handleCommandComplete(message: unknown, connection: WireConnection): void {
    if (this.#answered === this.held.length) super.handleCommandComplete(message, connection);
    else this.held[this.#answered++]!.settle?.();
  }

  override handleError(error: unknown, connection: WireConnection): void {
    if (this.#answered < this.held.length) this.failedHeld = this.#answered;
    super.handleError(error, connection);
  }
}

/** A pg client that holds BEGIN, the tenant's lock and SAVEPOINT for the next statement. */
export class PipeliningClient extends pg.Client {
  /** Whether templates run as named prepared statements. */
  protected readonly names: boolean = false;
  /** Statements answered but not sent yet, in order. */
  held: HeldStatement[] = [];
}

/** A `PipeliningClient` that runs the texts of templates as named prepared statements. */
export class PreparingClient extends PipeliningClient {
  protected override readonly names = true;
}

type QueryFunction = (this: pg.Client, ...args: unknown[]) => unknown;

/**
 * Sends `query` (a pg Query) and answers with its result, as pg's `query(text, values)` does.
 * When a unit's last statement it carries fails, that unit alone fails (its outcome): the
 * transaction goes back to the unit's savepoint, the most recent (the next unit's SAVEPOINT
 * travels behind it and did not run), and what travelled behind it is sent again, as it would
 * have run had the failed statement gone alone.
 */
function submit(client: pg.Client, base: QueryFunction, query: HeldFirst): Promise<pg.QueryResult> {
  return new Promise((resolve, reject) => {
    query.callback = (error, result) => {
      if (!error) return resolve(result!);
      const failed = query.failedHeld === undefined ? undefined : query.held[query.failedHeld];
      const behind = query.failedHeld === undefined ? [] : query.held.slice(query.failedHeld + 1);
      if (failed?.settle === undefined) {
        for (const statement of behind) statement.settle?.(error);
        return reject(error);
      }
      failed.settle(error);
      const again = new HeldFirst(query.text, query.values, query.name, [ROLLBACK_TO, ...behind]);
      resolve(submit(client, base, again));
    };
    base.call(client, query);
  });
}

/** What a client answers at once for a unit's last statement it holds: its outcome (unanswered.ts). */
function holdUnanswered(held: HeldStatement[], text: string, values: unknown[], name: string | undefined) {
  let settle!: (error?: unknown) => void;
  const outcome = new Promise<void>((resolve, reject) => {
    settle = (error) => (error === undefined ? resolve() : reject(error));
  });
  held.push({ text, values, name, settle });
  const row: UnansweredRow = { [OUTCOME]: outcome };
  return Promise.resolve({ command: 'SELECT', rowCount: 1, rows: [row], fields: [], oid: 0 });
}

/**
 * Sends the held statements alone, one after the other, then the statement. If a held statement
 * fails, so does the statement (the transaction is aborted), with the held one's error; a
 * ROLLBACK succeeds, as it should.
 */
async function sendAlone(
  client: pg.Client,
  base: QueryFunction,
  held: readonly HeldStatement[],
  text: string,
  values: unknown[],
): Promise<unknown> {
  let failure: unknown;
  for (const statement of held) {
    try {
      await base.call(client, statement.text, [...statement.values]);
      statement.settle?.();
    } catch (error) {
      if (statement.settle === undefined) failure ??= error;
      else {
        // A unit's last statement: that unit alone fails, as in `submit`.
        statement.settle(error);
        await (base.call(client, ROLLBACK_TO_TEXT, []) as Promise<unknown>).catch((rollback) => {
          failure ??= rollback;
        });
      }
    }
  }
  try {
    return await base.call(client, text, values);
  } catch (error) {
    throw failure ?? error;
  }
}

// node-pg's `query` has many overloads; only the one Kysely uses, (text, values), is named and
// held. The base method is looked up per call, so whatever wraps pg.Client's (a test's
// recorder) still runs.
PipeliningClient.prototype.query = function query(this: PipeliningClient, ...args: unknown[]) {
  const base = pg.Client.prototype.query as QueryFunction;
  const [text, values] = args;
  const held = this.held;
  if (args.length !== 2 || typeof text !== 'string' || !Array.isArray(values)) {
    // Another overload (a callback, a cursor): nothing of scimd's; whatever is held goes first.
    this.held = [];
    for (const statement of held) {
      (base.call(this, statement.text, [...statement.values]) as Promise<unknown>).then(
        () => statement.settle?.(),
        (error: unknown) => statement.settle?.(error),
      );
    }
    return base.apply(this, args);
  }
  // Several statements in one text (the simple protocol's) cannot travel in the extended protocol.
  if (text.includes(';')) {
    this.held = [];
    return sendAlone(this, base, held, text, values);
  }
  const answer = HOLDABLE.get(text);
  if (answer !== undefined) {
    held.push({ text, values });
    return Promise.resolve({ command: answer, rowCount: null, rows: [], fields: [], oid: 0 });
  }
  const name = this.names ? templateTexts.nameOf(text) : undefined;
  // A unit's last statement is held when it can run by name (its first run on a connection
  // prepares it, answered), or unnamed when nothing is named.
  const { parsedStatements } = (this as unknown as { connection: WireConnection }).connection;
  const prepared = name === undefined || parsedStatements[name] !== undefined;
  if (prepared && unansweredTexts.has(text)) return holdUnanswered(held, text, values, name);
  this.held = [];
  return submit(this, base, new HeldFirst(text, values, name, held));
} as pg.Client['query'];

/** Forgets what a connection going back to the pool held (a unit always ends with a statement that carries it). */
export function forgetHeld(client: pg.PoolClient): void {
  if (!(client instanceof PipeliningClient)) return;
  for (const statement of client.held)
    statement.settle?.(new Error('the connection was released before the statement was sent'));
  client.held = [];
}
