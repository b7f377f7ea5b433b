/**
 * Many tenants for the many-tenant benchmark (bench/tenants.ts), in bulk: the first tenant and
 * its token are made by scimd's own use cases (so migrations run and the rows are exactly what
 * scimd writes); every other tenant and token is a copy of those rows with its own id, slug and
 * token hash, inserted many rows per statement. 10,000 tenants through the use cases would take
 * minutes on PostgreSQL; this takes seconds.
 */
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openStore } from '../../src/store/open.js';
import { createTenant, issueToken } from '../../src/tenancy/tenants.js';
import { generateToken } from '../../src/tenancy/tokens.js';

export interface BenchTenant {
  readonly id: string;
  readonly slug: string;
  /** Plaintext bearer token of this tenant (each tenant has its own). */
  readonly token: string;
}

type Row = Record<string, unknown>;

/** The slug of the i-th benchmark tenant. */
export const tenantSlug = (i: number) => `t${i}`;

/** Tenant `i` and the row overrides that make the copies of the first tenant's rows its own. */
function plan(count: number, first: BenchTenant) {
  const tenants: BenchTenant[] = [first];
  const tenantRows: Row[] = [];
  const tokenRows: Row[] = [];
  for (let i = 1; i < count; i++) {
    const { token, hash, hint } = generateToken();
    const tenant = { id: randomUUID(), slug: tenantSlug(i), token };
    tenants.push(tenant);
    tenantRows.push({ id: tenant.id, slug: tenant.slug, name: `Benchmark ${i}` });
    tokenRows.push({ id: randomUUID(), tenant_id: tenant.id, hash, hint });
  }
  return { tenants, tenantRows, tokenRows };
}

async function createFirst(databaseUrl: string): Promise<BenchTenant> {
  const store = await openStore(databaseUrl);
  try {
    const now = new Date();
    const tenant = await createTenant(store, { slug: tenantSlug(0), name: 'Benchmark 0' }, now);
    const { token } = await issueToken(store, tenant.slug, { label: 'bench' }, now);
    return { id: tenant.id, slug: tenant.slug, token };
  } finally {
    await store.close();
  }
}

function* chunks<T>(rows: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size);
}

/** `count` tenants with a token each in the SQLite file at `filename` (created and migrated). */
export async function seedSqliteTenantRows(filename: string, count: number): Promise<BenchTenant[]> {
  const first = await createFirst(`file:${filename}`);
  const { tenants, tenantRows, tokenRows } = plan(count, first);
  const db = new Database(filename);
  try {
    db.pragma('journal_mode = WAL');
    const copy = (table: string, key: string, value: string, rows: Row[]) => {
      const template = db.prepare(`select * from ${table} where ${key} = ?`).get(value) as Row;
      const columns = Object.keys(template);
      const insert = db.prepare(
        `insert into ${table} (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})`,
      );
      db.transaction(() => {
        for (const row of rows) insert.run(...columns.map((c) => (c in row ? row[c] : template[c])));
      })();
    };
    copy('tenants', 'id', first.id, tenantRows);
    copy('tokens', 'tenant_id', first.id, tokenRows);
  } finally {
    db.close();
  }
  return tenants;
}

/** `count` tenants with a token each in the PostgreSQL database at `url` (migrated here). */
export async function seedPostgresTenantRows(url: string, count: number): Promise<BenchTenant[]> {
  const first = await createFirst(url);
  const { tenants, tenantRows, tokenRows } = plan(count, first);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // Each copy is the first tenant's row with some columns replaced: jsonb `||` then back to a row.
    const copy = async (table: string, key: string, value: string, rows: Row[]) => {
      for (const batch of chunks(rows, 5_000)) {
        await client.query(
          `insert into ${table}
           select (jsonb_populate_record(null::${table}, to_jsonb(t) || o)).*
             from ${table} t, jsonb_array_elements($2::jsonb) o
            where t.${key} = $1`,
          [value, JSON.stringify(batch)],
        );
      }
    };
    await client.query('begin');
    await copy('tenants', 'id', first.id, tenantRows);
    await copy('tokens', 'tenant_id', first.id, tokenRows);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
  return tenants;
}
