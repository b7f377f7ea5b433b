/**
 * A filter's page of tenant `t1`'s users as the SQL store compiles a list (`resources as r`,
 * newest order, 100 rows), with its SQLite query plan: for the plan tests of the folded copy
 * (folded-body.test.ts) and of the element rows (element-scan.test.ts). Never shipped.
 */
import { CompiledQuery, type Kysely } from 'kysely';
import { checkFilter } from '../../../../scim/filter/check.js';
import { parseFilter } from '../../../../scim/filter/parse.js';
import { USER_RESOURCE_TYPE } from '../../../../scim/schema/registry.js';
import type { ResourceTypeDefinition } from '../../../../scim/schema/types.js';
import { compileFilterParts } from '../../filter-sql.js';
import { RESOURCE_COLUMNS } from '../../resources.js';
import type { Database } from '../../tables.js';
import { Slot } from '../../template.js';
import { dialect as sqliteDialect } from '../dialect.js';

export interface FilterPagePlan {
  /** The page's statement, its template slots bound to tenant `t1` and type `User`. */
  readonly page: CompiledQuery;
  /** `explain query plan`'s details, in order. */
  readonly details: readonly string[];
  /** Whether the compiled filter scans the folded copy (compileFilterParts' `onScan`). */
  readonly scans: boolean;
}

export async function filterPagePlan(
  db: Kysely<Database>,
  text: string,
  resourceType: ResourceTypeDefinition = USER_RESOURCE_TYPE,
): Promise<FilterPagePlan> {
  const { where, onScan } = compileFilterParts(
    checkFilter(parseFilter(text), resourceType),
    resourceType,
    sqliteDialect,
  );
  const compiled = db
    .selectFrom('resources as r')
    .select(RESOURCE_COLUMNS)
    .where('r.tenant_id', '=', 't1')
    .where('r.resource_type', '=', 'User')
    .where(where)
    .orderBy('r.created')
    .orderBy('r.id')
    .limit(100)
    .compile();
  const parameters = compiled.parameters.map((p) => (p instanceof Slot ? (p.name === 'type' ? 'User' : 't1') : p));
  const page = CompiledQuery.raw(compiled.sql, parameters);
  const plan = await db.executeQuery<{ detail: string }>(
    CompiledQuery.raw(`explain query plan ${page.sql}`, parameters),
  );
  return { page, details: plan.rows.map((row) => row.detail), scans: onScan !== undefined };
}
