/**
 * `scimd migrate [--json]`: applies pending database migrations and exits. `scimd serve` applies
 * them at start too (under a lock on PostgreSQL, so several processes may start at once); this
 * command lets a deployment migrate first, e.g. in a release step (docs/postgres.md).
 */
import { loadConfig } from '../config/config.js';
import { type CliIo, EXIT, parseCommand, write, writeJson } from './context.js';

export const MIGRATE_USAGE = ['scimd migrate [--json]'] as const;

export async function runMigrateCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommand(args, { json: { type: 'boolean' } }, [], MIGRATE_USAGE[0]);
  const config = loadConfig(io.env);
  const { migrateDatabase } = await import('../store/open.js');
  // One connection is all migrating needs.
  const report = await migrateDatabase(config.databaseUrl, { poolSize: 1 });
  if (values.json) {
    writeJson(io.stdout, report);
  } else if (report.backend === 'memory') {
    write(io.stdout, 'memory: nothing to migrate (the memory store has no schema and keeps nothing)');
  } else if (report.applied.length === 0) {
    write(io.stdout, `${report.backend} ${report.location}: the schema is up to date`);
  } else {
    const count = report.applied.length === 1 ? '1 migration' : `${report.applied.length} migrations`;
    write(io.stdout, `${report.backend} ${report.location}: applied ${count}: ${report.applied.join(', ')}`);
  }
  return EXIT.ok;
}
