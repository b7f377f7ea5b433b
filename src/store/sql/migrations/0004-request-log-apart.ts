/**
 * The provisioning log keeps unauthenticated requests apart (issue 12.5) and records what a
 * request sent that was ignored (issue 13.4):
 *
 * - `request_log.authenticated`: false for a request refused before authentication, recorded
 *   under the tenant of its URL. Such entries are pruned in their own bounded space, so they can
 *   never evict a tenant's genuine entries. Earlier 401 entries were exactly those requests, so
 *   they are marked too, and lose the identity provider guessed from a User-Agent nobody vouched for.
 * - `request_log.ignored_attributes`: the attribute paths the request sent that no schema
 *   declares, as a JSON array in text (only ever read whole); `[]` for earlier entries.
 *
 * Dialect-independent: the boolean column takes the dialect's column type.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { SqlDialect } from '../dialect.js';

export function requestLogApartMigration(dialect: SqlDialect): Migration {
  const boolean = sql.raw(dialect.fragments.columnTypes.boolean);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('request_log')
        .addColumn('authenticated', boolean, (c) => c.notNull().defaultTo(sql`true`))
        .execute();
      await db.schema
        .alterTable('request_log')
        .addColumn('ignored_attributes', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();
      await sql`update request_log set authenticated = false, idp = null where status = 401`.execute(db);
    },
  };
}
