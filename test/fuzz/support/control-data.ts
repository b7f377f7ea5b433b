/**
 * A dump of the data a fuzz run must never change, read straight from the database: every row
 * the control tenant owns (resources, members, events and their sequence, webhook endpoints,
 * streams, dead letters; not its provisioning log, which records the fuzz's requests against
 * its URL by design), every tenant row and every token row. The tested tenant's tokens are
 * dumped without `last_used_at`, which its own requests legitimately move.
 */
import type { Site } from '../../../src/store/test-support/backends.js';

const CONTROL_TABLES: Record<string, string> = {
  resources: 'resource_type, id',
  group_members: 'group_id, member_id',
  events: 'seq',
  event_sequences: 'tenant_id',
  event_endpoints: 'id',
  event_streams: 'id',
  event_dead_letters: 'id',
};

/** JSON with PostgreSQL's and SQLite's value types made comparable (bigint, Buffer, Date). */
function serialise(rows: readonly Record<string, unknown>[]): string {
  return JSON.stringify(rows, (_key, value) => {
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Date) return value.toISOString();
    if (value !== null && typeof value === 'object' && (value as { type?: string }).type === 'Buffer') {
      return Buffer.from((value as { data: number[] }).data).toString('hex');
    }
    return value;
  });
}

export async function dumpControlData(site: Site, controlTenantId: string, testedTenantId: string) {
  const out: Record<string, string> = {};
  for (const [table, order] of Object.entries(CONTROL_TABLES)) {
    out[table] = serialise(
      await site.query(`select * from ${table} where tenant_id = $1 order by ${order}`, [controlTenantId]),
    );
  }
  out.tenants = serialise(await site.query('select * from tenants order by id'));
  const tokens = await site.query('select * from tokens order by id');
  out.tokens = serialise(tokens.map((t) => (t.tenant_id === testedTenantId ? { ...t, last_used_at: '<moves>' } : t)));
  return out;
}

/** Row counts of the control tenant's dump, to show the control data is not empty. */
export function describeDump(dump: Record<string, string>): string {
  return Object.entries(dump)
    .map(([table, json]) => `${table}=${(JSON.parse(json) as unknown[]).length}`)
    .join(' ');
}
