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

/**
 * Waits until the uses of the control tenant's tokens made while seeding are recorded: scimd
 * writes a token's `last_used_at` up to a second after its use (store/sql/touch-batch.ts), so a
 * dump taken at once could see it move later, during the fuzz, through no fault of the fuzz.
 */
export async function awaitRecordedUses(site: Site, controlTenantId: string): Promise<void> {
  for (let waited = 0; waited < 10_000; waited += 50) {
    const pending = await site.query('select id from tokens where tenant_id = $1 and last_used_at is null', [
      controlTenantId,
    ]);
    if (pending.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("the control tenant's token uses were not recorded within 10 s");
}

/** Row counts of the control tenant's dump, to show the control data is not empty. */
export function describeDump(dump: Record<string, string>): string {
  return Object.entries(dump)
    .map(([table, json]) => `${table}=${(JSON.parse(json) as unknown[]).length}`)
    .join(' ');
}
