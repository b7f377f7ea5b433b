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
 */
import pg from 'pg';
import { SAVEPOINT_TEXT } from '../group-commit.js';
import { templateTexts } from '../template.js';
import { BEGIN_TEXT, LOCK_TEXT } from './lifecycle.js';

/** What node-pg's Connection offers a query while it is sent (the calls pg's own Query makes). */
interface WireConnection {
  readonly parsedStatements: Record<string, string>;
  readonly submittedNamedStatements: Record<string, string>;
  parse(config: { text: string; name: string; types: unknown[] }): void;
  bind(config: { portal: string; statement: string; values: (string | null)[] }): void;
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
}
const Query = pg.Query as unknown as typeof PgQuery;

/** What a held statement answers at once: Kysely reads `command`, `rowCount` and `rows`. */
const HOLDABLE = new Map<string, string>([
  [BEGIN_TEXT, 'BEGIN'],
  [LOCK_TEXT, 'SELECT'],
  [SAVEPOINT_TEXT, 'SAVEPOINT'],
]);

/** Held statements are never named: they are parsed in the message that runs them (they are short). */
interface HeldStatement {
  readonly text: string;
  readonly values: readonly unknown[];
}

/** A held statement's parameters as text (they are numbers and strings). */
const textValues = (values: readonly unknown[]) => values.map((v) => (v === null ? null : String(v)));

/**
 * A statement with the held statements (often none) in front of it, all in one round trip. Made
 * from its text and values, not a config object, which node-pg would copy property by property.
 */
class HeldFirst extends Query {
  /** Answers of held statements still to come: they are not the statement's. */
  #heldAnswers: number;

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
    this.#heldAnswers = held.length;
  }

  override prepare(connection: WireConnection): void {
    // A named statement this connection has not prepared is parsed first: its ParseComplete is
    // then the first, which node-pg records as the statement's (it records every ParseComplete
    // under the query's name); if its parse fails, nothing after it runs and nothing is recorded.
    if (this.name && !this.hasBeenParsed(connection)) {
      connection.parse({ text: this.text, name: this.name, types: [] });
      connection.submittedNamedStatements[this.name] = this.text;
    }
    // No Describe: each answers ParseComplete, BindComplete, its rows if any and
    // CommandComplete. All use the unnamed statement and portal, each replacing the one run
    // before it; the statement's own Parse or Bind replaces the last.
    for (const { text, values } of this.held) {
      connection.parse({ text, name: '', types: [] });
      connection.bind({ portal: '', statement: '', values: textValues(values) });
      connection.execute({ portal: '', rows: 0 });
    }
    super.prepare(connection);
  }

  override handleDataRow(message: unknown): void {
    if (this.#heldAnswers === 0) super.handleDataRow(message); // the lock's row is nobody's
  }

  override handleCommandComplete(message: unknown, connection: WireConnection): void {
    if (this.#heldAnswers === 0) super.handleCommandComplete(message, connection);
    else this.#heldAnswers--;
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

/** Sends `query` (a pg Query) and answers with its result, as pg's `query(text, values)` does. */
function submit(client: pg.Client, base: QueryFunction, query: HeldFirst): Promise<pg.QueryResult> {
  return new Promise((resolve, reject) => {
    query.callback = (error, result) => (error ? reject(error) : resolve(result!));
    base.call(client, query);
  });
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
    } catch (error) {
      failure ??= error;
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
    for (const statement of held)
      (base.call(this, statement.text, [...statement.values]) as Promise<unknown>).catch(() => undefined);
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
  this.held = [];
  const name = this.names ? templateTexts.nameOf(text) : undefined;
  return submit(this, base, new HeldFirst(text, values, name, held));
} as pg.Client['query'];

/** Forgets what a connection going back to the pool held (a unit always ends with a statement that carries it). */
export function forgetHeld(client: pg.PoolClient): void {
  if (client instanceof PipeliningClient) client.held = [];
}
