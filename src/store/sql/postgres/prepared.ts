/**
 * Named prepared statements for the statement templates (template.ts): a connection parses and
 * plans a template's text once and then only binds and runs it, where an unnamed statement is
 * parsed, analysed and planned on every run. Measured on this project's machine: about 45 % less
 * server CPU and 25–30 % less time per statement for the point reads and writes of a SCIM request
 * (docs/postgres.md, "Prepared statements"). Any other statement (a filter's own SQL, the
 * console's queries, migrations) runs unnamed as before.
 *
 * `SCIMD_DATABASE_PREPARED_STATEMENTS=off` sends every statement unnamed, for a pooler that
 * cannot keep named statements (PgBouncer before 1.21 in transaction mode, or without
 * `max_prepared_statements`).
 */
import pg from 'pg';
import { templateTexts } from '../template.js';

/** A pg client that runs the texts of templates as named statements. */
export class PreparingClient extends pg.Client {}

// node-pg's `query` has many overloads; only the one Kysely uses, (text, values), is named. The
// base method is looked up per call, so whatever wraps pg.Client's (a test's recorder) still runs.
PreparingClient.prototype.query = function query(this: pg.Client, ...args: unknown[]) {
  const base = pg.Client.prototype.query as (...a: unknown[]) => unknown;
  const [text, values] = args;
  if (args.length === 2 && typeof text === 'string' && Array.isArray(values)) {
    const name = templateTexts.nameOf(text);
    if (name !== undefined) return base.call(this, { name, text, values });
  }
  return base.apply(this, args);
} as pg.Client['query'];
