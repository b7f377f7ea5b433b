/**
 * Bytes on disk per table of a scimd database, indexes included, and its row count, for the
 * sizing guide (docs/postgres.md "Sizing", docs/benchmarks.md "Database size").
 *
 * SQLite: the `dbstat` virtual table (bytes of the pages each table and index occupies,
 * free pages excluded), each index counted with its table. PostgreSQL:
 * `pg_total_relation_size` (heap, TOAST, indexes, free space map and visibility map).
 */
import Database from 'better-sqlite3';
import pg from 'pg';

export interface TableSize {
  readonly bytes: number;
  readonly rows: number;
}

export type TableSizes = ReadonlyMap<string, TableSize>;

function sqliteFile(url: string): string {
  return url.replace(/^file:/, '').replace(/\?.*$/, '');
}

function sqliteSizes(url: string): TableSizes {
  const db = new Database(sqliteFile(url), { readonly: true });
  try {
    const bytes = db
      .prepare<[], { name: string; bytes: number }>(
        `select coalesce(m.tbl_name, s.name) as name, sum(s.pgsize) as bytes
           from dbstat s left join sqlite_schema m on m.name = s.name
          group by coalesce(m.tbl_name, s.name)`,
      )
      .all();
    const sizes = new Map<string, TableSize>();
    for (const { name, bytes: b } of bytes) {
      if (name.startsWith('sqlite_')) continue;
      const rows = db.prepare<[], { n: number }>(`select count(*) as n from "${name}"`).get()?.n ?? 0;
      sizes.set(name, { bytes: b, rows });
    }
    return sizes;
  } finally {
    db.close();
  }
}

async function postgresSizes(url: string): Promise<TableSizes> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ name: string; bytes: string }>(
      `select c.relname as name, pg_total_relation_size(c.oid) as bytes
         from pg_class c
        where c.relkind = 'r' and c.relnamespace = current_schema()::regnamespace`,
    );
    const sizes = new Map<string, TableSize>();
    for (const { name, bytes } of tables.rows) {
      const count = await client.query<{ n: string }>(`select count(*) as n from "${name}"`);
      sizes.set(name, { bytes: Number(bytes), rows: Number(count.rows[0]?.n ?? 0) });
    }
    return sizes;
  } finally {
    await client.end();
  }
}

/** Every table of the database at `url` (`file:` for SQLite, `postgres://` for PostgreSQL). */
export function tableSizes(url: string): Promise<TableSizes> {
  return url.startsWith('file:') ? Promise.resolve(sqliteSizes(url)) : postgresSizes(url);
}

/** What each table gained from `before` to `after` (tables that did not change left out). */
export function sizeDelta(before: TableSizes, after: TableSizes): Map<string, TableSize> {
  const delta = new Map<string, TableSize>();
  for (const [name, now] of after) {
    const then = before.get(name) ?? { bytes: 0, rows: 0 };
    if (now.bytes === then.bytes && now.rows === then.rows) continue;
    delta.set(name, { bytes: now.bytes - then.bytes, rows: now.rows - then.rows });
  }
  return delta;
}
