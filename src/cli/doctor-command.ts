/**
 * `scimd doctor [--json]`: checks that the configured database answers, that its schema is the
 * one this scimd expects, and that it folds case as JavaScript does (Unicode, not ASCII only).
 * Changes nothing: a missing SQLite file is reported, not created. Exit 0 when every check
 * passes, 1 otherwise (78 for bad configuration, as every command).
 */
import { loadConfig } from '../config/config.js';
import type { DatabaseInspection } from '../store/open.js';
import { type CliIo, EXIT, parseCommand, write, writeJson } from './context.js';

export const DOCTOR_USAGE = ['scimd doctor [--json]'] as const;

/** How long doctor waits for a PostgreSQL connection before calling the database unreachable. */
const DOCTOR_CONNECT_TIMEOUT_MS = 5000;

export interface DoctorCheck {
  readonly name: 'database' | 'schema' | 'case folding';
  readonly ok: boolean;
  readonly detail: string;
}

const list = (names: readonly string[]) => names.join(', ');

/** The checks for an inspection (or the error that prevented it), taking `elapsedMs`. */
export function diagnose(inspection: DatabaseInspection | Error, elapsedMs: number): DoctorCheck[] {
  if (inspection instanceof Error) {
    return [{ name: 'database', ok: false, detail: `unreachable or unusable: ${inspection.message}` }];
  }
  const { backend, location, sql } = inspection;
  if (backend === 'memory') {
    return [{ name: 'database', ok: true, detail: 'memory: (no schema; nothing is kept across restarts)' }];
  }
  if (sql === undefined) {
    return [
      {
        name: 'database',
        ok: false,
        detail: `${backend} file ${location} does not exist yet; "scimd migrate" or "scimd serve" creates it`,
      },
    ];
  }
  const { applied, pending, unknown } = sql.migrations;
  const schema: DoctorCheck =
    unknown.length > 0
      ? {
          name: 'schema',
          ok: false,
          detail: `migrated by a newer scimd (${list(unknown)} unknown to this version); upgrade this scimd`,
        }
      : pending.length > 0
        ? {
            name: 'schema',
            ok: false,
            detail: `${pending.length} pending (${list(pending)}); run "scimd migrate" (scimd serve also applies them at start)`,
          }
        : { name: 'schema', ok: true, detail: `up to date (${applied.length} migrations, latest ${applied.at(-1)})` };
  return [
    {
      name: 'database',
      ok: true,
      detail: `${backend} ${sql.serverVersion} at ${location}, answered in ${Math.round(elapsedMs)} ms`,
    },
    schema,
    {
      name: 'case folding',
      ok: sql.foldsLikeJavaScript,
      detail: sql.foldsLikeJavaScript
        ? 'Unicode, exactly as JavaScript toLowerCase'
        : `differs from JavaScript toLowerCase: got ${JSON.stringify(sql.foldResult)}`,
    },
  ];
}

export async function runDoctorCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommand(args, { json: { type: 'boolean' } }, [], DOCTOR_USAGE[0]);
  const config = loadConfig(io.env);
  const { inspectDatabase } = await import('../store/open.js');
  const started = performance.now();
  const inspection = await inspectDatabase(config.databaseUrl, {
    poolSize: 1,
    connectTimeoutMs: DOCTOR_CONNECT_TIMEOUT_MS,
  }).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
  const checks = diagnose(inspection, performance.now() - started);
  const ok = checks.every((c) => c.ok);
  if (values.json) {
    writeJson(io.stdout, { ok, checks });
  } else {
    const width = Math.max(...checks.map((c) => c.name.length));
    const lines = checks.map((c) => `${c.ok ? 'ok  ' : 'FAIL'}  ${c.name.padEnd(width)}  ${c.detail}`);
    const failed = checks.filter((c) => !c.ok).length;
    lines.push(ok ? 'all checks passed' : `${failed} check${failed === 1 ? '' : 's'} failed`);
    write(io.stdout, lines.join('\n'));
  }
  return ok ? EXIT.ok : EXIT.failure;
}
