/**
 * Seeds a scimd database in bulk: the tenant and its token through scimd's own use cases (so
 * migrations run and the token is real), then the directory's rows straight into the tables,
 * in large transactions (SQLite) or multi-row statements (PostgreSQL). HTTP would take minutes
 * for 100,000 users and hours for 1,000,000.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { openStore } from '../../src/store/open.js';
import { registerFunctions } from '../../src/store/sql/sqlite/connect.js';
import { createTenant, issueToken } from '../../src/tenancy/tenants.js';
import { spareId, TENANT_SLUG } from '../shared/directory.mjs';
import {
  MEMBER_COLUMNS,
  type MemberRow,
  memberRows,
  RESOURCE_COLUMNS,
  type ResourceRow,
  resourceRows,
  unwritableColumns,
} from './rows.js';

export interface SeededTenant {
  readonly tenantId: string;
  /** Plaintext bearer token of the tenant. */
  readonly token: string;
}

/** Creates (migrating the database first) the benchmark tenant and a token for it. */
export async function createBenchTenant(databaseUrl: string): Promise<SeededTenant> {
  const store = await openStore(databaseUrl);
  try {
    const now = new Date();
    const tenant = await createTenant(store, { slug: TENANT_SLUG, name: 'Benchmark' }, now);
    const { token } = await issueToken(store, TENANT_SLUG, { label: 'bench' }, now);
    return { tenantId: tenant.id, token };
  } finally {
    await store.close();
  }
}

/** Spare users' ids share a prefix (bench/shared/directory.mjs). */
const SPARE_PREFIX = spareId(0).slice(0, 23);
const isSpare = (id: string) => id.startsWith(SPARE_PREFIX);

function* batches<T>(rows: Iterable<T>, size: number): Generator<T[]> {
  let batch: T[] = [];
  for (const row of rows) {
    batch.push(row);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

function checkColumns(table: string, columns: { name: string; required: boolean }[], written: readonly string[]) {
  const missing = unwritableColumns(columns, written);
  if (missing.length > 0) {
    throw new Error(
      `the benchmark seeder does not know the required column(s) ${missing.join(', ')} of "${table}"; update bench/seed/rows.ts`,
    );
  }
}

/** What the many-tenant benchmark seeds per tenant (bench/tenants.ts): no spare users. */
export interface SeedOptions {
  /** Include the directory's spare users (the membership workloads need them). Default true. */
  readonly spares?: boolean;
}

/** The directory's rows, without the spare users when `options.spares` is false. */
function directoryRows(size: number, options: SeedOptions): ResourceRow[] {
  const rows = [...resourceRows(size)];
  return options.spares === false ? rows.filter((r) => r.resource_type === 'Group' || !isSpare(r.id)) : rows;
}

/**
 * Every row of `rows` for each tenant in turn, tenants in id order: the primary keys and indexes
 * start with the tenant id, so rows then arrive in key order (random tenant UUIDs in creation
 * order would scatter 10,000 tenants' inserts over the whole B-tree, several times slower).
 */
function* forEachTenant<T>(tenantIds: readonly string[], rows: readonly T[]): Generator<[string, T]> {
  for (const tenantId of [...tenantIds].sort()) for (const row of rows) yield [tenantId, row];
}

/** Writes the directory of `size` users into the SQLite file at `filename`. */
export function seedSqliteRows(filename: string, tenantId: string, size: number): void {
  seedSqliteTenants(filename, [tenantId], size);
}

/** Writes the same directory of `size` users for each of `tenantIds` into the SQLite file. */
export function seedSqliteTenants(
  filename: string,
  tenantIds: readonly string[],
  size: number,
  options: SeedOptions = {},
): void {
  const db = new Database(filename);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    // The triggers writing each resource's folded copy call scimd's SQL functions.
    registerFunctions(db);
    for (const table of ['resources', 'group_members']) {
      const info = db.prepare(`pragma table_info(${table})`).all() as {
        name: string;
        notnull: number;
        dflt_value: unknown;
      }[];
      const columns = info.map((c) => ({ name: c.name, required: c.notnull === 1 && c.dflt_value === null }));
      checkColumns(table, columns, table === 'resources' ? RESOURCE_COLUMNS : MEMBER_COLUMNS);
    }
    const insertResource = db.prepare(
      `insert into resources (${RESOURCE_COLUMNS.join(', ')}) values (${RESOURCE_COLUMNS.map(() => '?').join(', ')})`,
    );
    const insertMember = db.prepare(
      `insert into group_members (${MEMBER_COLUMNS.join(', ')}) values (${MEMBER_COLUMNS.map(() => '?').join(', ')})`,
    );
    const writeResources = db.transaction((rows: [string, ResourceRow][]) => {
      for (const [tenantId, r] of rows) {
        insertResource.run(
          tenantId,
          r.id,
          r.resource_type,
          r.version,
          r.created,
          r.last_modified,
          JSON.stringify(r.body),
          r.unique_name_fold,
          r.display_name_fold,
          r.display,
          r.external_id,
          r.active === null ? null : r.active ? 1 : 0,
        );
      }
    });
    const writeMembers = db.transaction((rows: [string, MemberRow][]) => {
      for (const [tenantId, m] of rows) insertMember.run(tenantId, m.group_id, m.member_id, m.member_type, m.added_seq);
    });
    const resources = directoryRows(size, options);
    const members = [...memberRows(size)];
    for (const batch of batches(forEachTenant(tenantIds, resources), 50_000)) writeResources(batch);
    for (const batch of batches(forEachTenant(tenantIds, members), 50_000)) writeMembers(batch);
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

/** Writes the directory of `size` users into the PostgreSQL database at `url`. */
export async function seedPostgresRows(url: string, tenantId: string, size: number): Promise<void> {
  await seedPostgresTenants(url, [tenantId], size);
}

/** Writes the same directory of `size` users for each of `tenantIds` into the PostgreSQL database. */
export async function seedPostgresTenants(
  url: string,
  tenantIds: readonly string[],
  size: number,
  options: SeedOptions = {},
): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const types = new Map<string, Map<string, string>>();
    for (const table of ['resources', 'group_members']) {
      const { rows } = await client.query<{
        column_name: string;
        is_nullable: string;
        column_default: string | null;
        udt_name: string;
      }>(
        `select column_name, is_nullable, column_default, udt_name from information_schema.columns
          where table_name = $1 and table_schema = current_schema()`,
        [table],
      );
      const columns = rows.map((c) => ({
        name: c.column_name,
        required: c.is_nullable === 'NO' && c.column_default === null,
      }));
      checkColumns(table, columns, table === 'resources' ? RESOURCE_COLUMNS : MEMBER_COLUMNS);
      types.set(table, new Map(rows.map((c) => [c.column_name, c.udt_name])));
    }
    // unnest() of one array per column: one statement inserts a whole batch.
    const insert = (table: string, columns: readonly string[]) => {
      const udt = types.get(table)!;
      const arrays = columns.map(
        (c, i) => `$${i + 1}::${udt.get(c) === 'jsonb' || udt.get(c) === 'json' ? 'text' : udt.get(c)}[]`,
      );
      const casts = columns.map((c) => (udt.get(c) === 'jsonb' || udt.get(c) === 'json' ? `${c}::${udt.get(c)}` : c));
      return `insert into ${table} (${columns.join(', ')}) select ${casts.join(', ')} from unnest(${arrays.join(', ')}) as t(${columns.join(', ')})`;
    };
    const resourceSql = insert('resources', RESOURCE_COLUMNS);
    const memberSql = insert('group_members', MEMBER_COLUMNS);
    await client.query('begin');
    const resources = directoryRows(size, options);
    const members = [...memberRows(size)];
    for (const batch of batches(forEachTenant(tenantIds, resources), 5_000)) {
      const columns: unknown[][] = RESOURCE_COLUMNS.map(() => []);
      for (const [tenantId, r] of batch) {
        const values = [
          tenantId,
          r.id,
          r.resource_type,
          r.version,
          r.created,
          r.last_modified,
          JSON.stringify(r.body),
          r.unique_name_fold,
          r.display_name_fold,
          r.display,
          r.external_id,
          r.active,
        ];
        for (const [i, v] of values.entries()) columns[i]!.push(v);
      }
      // A dialect may store booleans as integers.
      if (/^int/.test(types.get('resources')!.get('active') ?? '')) {
        const active = columns[RESOURCE_COLUMNS.indexOf('active')]!;
        active.forEach((v, i) => {
          if (typeof v === 'boolean') active[i] = v ? 1 : 0;
        });
      }
      await client.query(resourceSql, columns);
    }
    for (const batch of batches(forEachTenant(tenantIds, members), 10_000)) {
      const columns: unknown[][] = MEMBER_COLUMNS.map(() => []);
      for (const [tenantId, m] of batch) {
        const values = [tenantId, m.group_id, m.member_id, m.member_type, m.added_seq];
        for (const [i, v] of values.entries()) columns[i]!.push(v);
      }
      await client.query(memberSql, columns);
    }
    await client.query('commit');
    await client.query('analyze');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}
