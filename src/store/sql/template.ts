/**
 * Statement templates: a Kysely statement built and compiled once, then run any number of times
 * with new values. Building and compiling a statement costs 15–20 µs, several times what SQLite
 * takes to answer a point lookup (docs/benchmarks.md, "What changed"), so the statements
 * of every request's hot path are templates.
 *
 * A template's values are `Slot`s: markers that Kysely binds like any value and that `bind`
 * replaces, position by position, with the values of one call. The SQL text therefore never
 * depends on the values, which is also what lets SQLite's statement cache (sqlite/connect.ts) reuse the
 * prepared statement.
 */
import type { CompiledQuery, Kysely } from 'kysely';
import type { Database } from './tables.js';
import { unansweredTexts } from './unanswered.js';

/** A value to be given at run time, by name. */
export class Slot {
  constructor(readonly name: string) {}
}

/**
 * A value of a multi-row statement (`rowSlots`): column `column` of row `row`. Bound by position
 * from the rows themselves when the call gives them (`Template.execute`'s `rows`), and by its
 * name, `<column><row>`, from the values otherwise.
 */
export class RowSlot extends Slot {
  constructor(
    readonly column: string,
    readonly row: number,
  ) {
    super(`${column}${row}`);
  }
}

/** The rows of a multi-row statement, each holding every slotted column. */
type Rows = readonly object[];

/** Anything Kysely can compile: a query builder or a `sql` template. */
interface Compilable<R> {
  compile(): CompiledQuery<R>;
}

/**
 * Replaces every `Slot` among `compiled`'s parameters with its value in `values`, and every
 * `RowSlot` with its row's column in `rows` when given (naming a thousand values `<column><i>`
 * to look each up again cost more than the rest of a batch's binding).
 */
export function bind<R>(
  compiled: CompiledQuery<R>,
  values: Readonly<Record<string, unknown>>,
  rows?: Rows,
): CompiledQuery<R> {
  const parameters = compiled.parameters.map((p) => {
    if (!(p instanceof Slot)) return p;
    const value =
      rows !== undefined && p instanceof RowSlot
        ? (rows[p.row] as Readonly<Record<string, unknown>> | undefined)?.[p.column]
        : values[p.name];
    // A missing value is a bug in the caller, never something to send to the database as NULL.
    if (value === undefined) throw new Error(`statement template: no value for slot "${p.name}"`);
    return value;
  });
  return { ...compiled, parameters };
}

interface TemplateOptions {
  /** The statement may be sent unanswered, as a unit of work's last (unanswered.ts). */
  readonly unanswered?: boolean;
}

interface Template<V extends string, R> {
  /**
   * Runs the statement on `db` (the store's Kysely or a unit of work's connection); `rows` are
   * the rows of a multi-row statement (`rowSlots`), each holding every slotted column.
   */
  execute(db: Kysely<Database>, values: Readonly<Record<V, unknown>>, rows?: Rows): Promise<R[]>;
  /** The first row, if any. */
  first(db: Kysely<Database>, values: Readonly<Record<V, unknown>>, rows?: Rows): Promise<R | undefined>;
  /** Rows changed (INSERT, UPDATE, DELETE without RETURNING). */
  changes(db: Kysely<Database>, values: Readonly<Record<V, unknown>>, rows?: Rows): Promise<number>;
}

/**
 * A template of the statement `build` makes with `slot(name)` in place of every value; built and
 * compiled on first use for each dialect. Values that decide the statement's shape (a list's
 * length, a LIMIT) cannot be slots: build one template per shape (`templateFamily`).
 */
export function template<V extends string, R>(
  build: (db: Kysely<Database>, slot: (name: V) => never) => Compilable<R>,
  options: TemplateOptions = {},
): Template<V, R> {
  const compiled = statementCache(1, options.unanswered ? unansweredTexts.note : undefined);
  const slot = (name: V) => new Slot(name) as never;
  const run = (db: Kysely<Database>, values: Readonly<Record<V, unknown>>, rows?: Rows) =>
    db.executeQuery(bind(compiled(db, '', () => build(db, slot)) as CompiledQuery<R>, values, rows));
  return {
    execute: async (db, values, rows) => (await run(db, values, rows)).rows,
    first: async (db, values, rows) => (await run(db, values, rows)).rows[0],
    changes: async (db, values, rows) => Number((await run(db, values, rows)).numAffectedRows ?? 0),
  };
}

/**
 * The SQL texts of every template compiled in this process, each with a name of its own: the
 * statements whose text never depends on their values, and which run on every request. On
 * PostgreSQL they run as named prepared statements (postgres/prepared.ts), parsed and planned
 * once per connection. A text that returns whole rows (`*`) is left out: a column added by a
 * migration would change its result type, which PostgreSQL refuses for a prepared statement
 * ("cached plan must not change result type") in a process started before the migration. The
 * bound keeps a misbehaving caller from growing it without end; texts past it run unnamed.
 */
export const templateTexts = (() => {
  const names = new Map<string, string>();
  const MAX_NAMED = 1000;
  const MAX_TEXT = 8192;
  const WHOLE_ROWS = /\bselect \*|\.\*|\breturning \*/i;
  return {
    note(text: string): void {
      if (names.size >= MAX_NAMED || text.length > MAX_TEXT || names.has(text) || WHOLE_ROWS.test(text)) return;
      names.set(text, `scimd_${names.size + 1}`);
    },
    /** The name of a template's text; undefined for any other statement. */
    nameOf: (text: string): string | undefined => names.get(text),
  };
})();

/**
 * Compiled statements by a shape key, kept for each dialect: the SQL depends on the dialect
 * only. A Kysely and every instance derived from it (a unit of work's connection) share one
 * adapter object, and one process may hold stores of different dialects (the differential
 * tests do), so statements are kept per adapter. At most `maxShapes` are kept per dialect (the
 * oldest go first); the bound only keeps a misbehaving caller from growing it without end.
 */
export function statementCache(maxShapes: number, onCompiled?: (text: string) => void) {
  const byAdapter = new WeakMap<object, Map<string, CompiledQuery>>();
  return (db: Kysely<Database>, key: string, build: () => Compilable<unknown>): CompiledQuery => {
    const adapter = db.getExecutor().adapter;
    let shapes = byAdapter.get(adapter);
    if (shapes === undefined) {
      shapes = new Map();
      byAdapter.set(adapter, shapes);
    }
    let statement = shapes.get(key);
    if (statement === undefined) {
      statement = build().compile();
      templateTexts.note(statement.sql);
      onCompiled?.(statement.sql);
      if (shapes.size >= maxShapes) shapes.delete(shapes.keys().next().value as string);
      shapes.set(key, statement);
    }
    return statement;
  };
}

interface FamilyOptions<K> extends TemplateOptions {
  /** Whether to keep the template of `key` for later calls (default: always). */
  readonly keep?: (key: K) => boolean;
}

/**
 * Templates that differ by a shape key (a list's length, a literal LIMIT), each built once. A
 * shape that `keep` refuses (a statement binding thousands of rows, whose text alone is large)
 * is built for the one call.
 */
export function templateFamily<K, V extends string, R>(
  build: (key: K, db: Kysely<Database>, slot: (name: V) => never) => Compilable<R>,
  options: FamilyOptions<K> = {},
): (key: K) => Template<V, R> {
  const made = new Map<K, Template<V, R>>();
  const maker = (key: K) => template<V, R>((db, slot) => build(key, db, slot), options);
  return (key) => {
    if (options.keep?.(key) === false) return maker(key);
    let t = made.get(key);
    if (t === undefined) {
      // Shapes are few in practice; the bound only keeps a misbehaving caller from growing the
      // map without end.
      if (made.size >= MAX_SHAPES) made.clear();
      t = maker(key);
      made.set(key, t);
    }
    return t;
  };
}

const MAX_SHAPES = 256;

/** Slots `id0`, `id1`, … for a list of `n` ids bound one by one (their values: `idValues`). */
export function idSlots(n: number, slot: (name: `id${number}`) => never): never[] {
  return Array.from({ length: n }, (_, i) => slot(`id${i}`));
}

/** `{tenant, id0, id1, …}`: the values of a statement binding the tenant and a list of ids. */
export function idValues(tenantId: string, ids: readonly string[]): Record<'tenant' | `id${number}`, string> {
  const values: Record<string, string> = { tenant: tenantId };
  ids.forEach((id, i) => {
    values[`id${i}`] = id;
  });
  return values;
}

/**
 * The rows of a multi-row INSERT of `n` rows: each column a `RowSlot` (its values: the rows
 * given to `execute`), plus the `same` columns every row shares, slotted by the caller.
 */
export function rowSlots<C extends string>(
  columns: readonly C[],
  n: number,
  same: Record<string, never> = {},
): never[] {
  return Array.from({ length: n }, (_, i) => {
    const row: Record<string, never> = { ...same };
    for (const column of columns) row[column] = new RowSlot(column, i) as never;
    return row as never;
  });
}

/** For families keyed by a row or value count: keep statements of up to 200 (a default page). */
export const SMALL_LISTS: FamilyOptions<number> = { keep: (n) => n <= 200 };
