/**
 * How the access history's queries scale (docs/history.md "Scale"): builds a SQLite database
 * with `--users` users and ten history rows each (1,000,000 users: 10,000,000 rows) by direct
 * bulk inserts (no SCIM requests: minutes, not days), then times, through the same use cases
 * as the CLI and the admin API:
 *
 * - the whole as-of report, streamed page by page to the end, and as CSV (time to the first
 *   row, rows per second);
 * - one page (1,000 users) of it at the start, the middle and the end (keyset);
 * - the report filtered by one role (whole, and one page in the middle), and by one group (by
 *   displayName);
 * - one user's timeline found by userName.
 *
 *   npm run bench:history-scale -- [--users 1000000] [--file ./data/history-scale.db] [--keep]
 *
 * Each user's ten rows: created, a role granted, a group joined, a second role granted and
 * later removed, a second group joined and later left, an attribute change, a third role; one
 * user in ten is then deactivated. Times spread over five years; 50 roles; a group per 100 users.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { accessCsv } from '../src/service/access-csv.js';
import { collectAccess, openAccessReport, readUserTimeline } from '../src/service/access-report.js';
import { roleKey } from '../src/store/history-port.js';
import { openStore } from '../src/store/open.js';
import { ACCESS_HISTORY_COLUMNS } from '../src/store/sql/history-projector.js';
import { createTenant } from '../src/tenancy/tenants.js';

export interface ScaleOptions {
  readonly users: number;
  readonly file: string;
}

export interface ScaleReport {
  readonly users: number;
  readonly rows: number;
  readonly buildSeconds: number;
  readonly asOf: string;
  /** Name → milliseconds and how many users (or entries) it returned. */
  readonly queries: readonly ScaleQuery[];
}

export interface ScaleQuery {
  readonly name: string;
  readonly ms: number;
  readonly count: number;
}

/** The report's page: what the admin API and the CSV read at a time (access-report.ts). */
const PAGE = 1000;

const SLUG = 'scale';
const START = Date.parse('2021-01-01T00:00:00.000Z');
const FIVE_YEARS = 5 * 365 * 86_400_000;
const DAY = 86_400_000;
const ROLES = 50;
type Row = unknown[];

const iso = (ms: number) => new Date(ms).toISOString();
const userId = (u: number) => `u${String(u).padStart(8, '0')}`;
const groupOf = (u: number, which: number) =>
  `g${String((u * 7 + which * 13) % Math.max(1, Math.floor(u / 100) + 1)).padStart(6, '0')}`;

/** The ten rows of user `u`, as the store would have recorded them. */
function rowsOf(tenantId: string, u: number): Row[] {
  const id = userId(u);
  const name = `user${u}@example.com`;
  const t0 = START + ((u * 7919) % 1800) * DAY + (u % 86_400) * 1000;
  const at = (day: number) => iso(t0 + day * DAY);
  const role = (n: number) => ({ value: `Role${(u + n) % ROLES}` });
  const group = (n: number) => ({ id: groupOf(u, n), displayName: `Group ${groupOf(u, n)}` });
  const deactivated = u % 10 === 9;
  const row = (
    day: number,
    kind: string,
    detail: object,
    span?: [string, string, string | null, number | null],
    validTo: string | null = null,
  ): Row => [
    tenantId,
    id,
    u * 10 + day,
    0,
    at(day),
    `req-${u}-${day}`,
    kind,
    name,
    JSON.stringify(detail),
    span?.[0] ?? null,
    span?.[1] ?? null,
    span?.[2] ?? null,
    span?.[3] ?? null,
    validTo,
  ];
  return [
    row(
      0,
      'created',
      { active: true, attributes: { userName: name } },
      ['user', '', name, 1],
      deactivated ? at(9) : null,
    ),
    row(1, 'role_granted', role(1), ['role', roleKey(role(1)), role(1).value.toLowerCase(), null]),
    row(2, 'group_joined', group(1), ['group', group(1).id, group(1).displayName.toLowerCase(), null]),
    row(3, 'role_granted', role(2), ['role', roleKey(role(2)), role(2).value.toLowerCase(), null], at(5)),
    row(4, 'group_joined', group(2), ['group', group(2).id, group(2).displayName.toLowerCase(), null], at(7)),
    row(5, 'role_removed', role(2)),
    row(6, 'updated', { changes: { title: `Title ${u % 100}` } }),
    row(7, 'group_left', group(2)),
    row(8, 'role_granted', role(3), ['role', roleKey(role(3)), role(3).value.toLowerCase(), null]),
    deactivated
      ? row(9, 'deactivated', {}, ['user', '', name, 0])
      : row(9, 'updated', { changes: { displayName: `User ${u}` } }),
  ];
}

/** Fills `access_history` directly: indexes dropped during the load and built after it. */
function bulkLoad(file: string, tenantId: string, users: number): number {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    const indexes = db
      .prepare(
        `select name, sql from sqlite_master where type = 'index' and tbl_name = 'access_history' and sql is not null`,
      )
      .all() as { name: string; sql: string }[];
    for (const index of indexes) db.exec(`drop index ${index.name}`);
    const perStatement = 50;
    const placeholders = `(${ACCESS_HISTORY_COLUMNS.map(() => '?').join(',')})`;
    const insert = db.prepare(
      `insert into access_history (${ACCESS_HISTORY_COLUMNS.join(',')}) values ${Array(perStatement).fill(placeholders).join(',')}`,
    );
    const insertOne = db.prepare(
      `insert into access_history (${ACCESS_HISTORY_COLUMNS.join(',')}) values ${placeholders}`,
    );
    let buffer: unknown[] = [];
    let pending = 0;
    let rows = 0;
    const flush = db.transaction((batch: Row[]) => {
      for (const r of batch) {
        buffer.push(...r);
        if (++pending === perStatement) {
          insert.run(buffer);
          buffer = [];
          pending = 0;
        }
      }
    });
    for (let start = 0; start < users; start += 10_000) {
      const batch: Row[] = [];
      for (let u = start; u < Math.min(users, start + 10_000); u++) batch.push(...rowsOf(tenantId, u));
      flush(batch);
      rows += batch.length;
    }
    db.transaction(() => {
      for (let i = 0; i < pending; i++)
        insertOne.run(buffer.slice(i * ACCESS_HISTORY_COLUMNS.length, (i + 1) * ACCESS_HISTORY_COLUMNS.length));
    })();
    for (const index of indexes) db.exec(index.sql);
    db.exec('analyze');
    return rows;
  } finally {
    db.close();
  }
}

async function timed<T>(fn: () => Promise<T>, count: (value: T) => number) {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, count: count(value) };
}

export async function measureHistoryScale(options: ScaleOptions): Promise<ScaleReport> {
  const url = `file:${options.file}`;
  let store = await openStore(url);
  const tenant = await createTenant(store, { slug: SLUG, name: 'Scale' }, new Date(START));
  await store.close();
  const built = performance.now();
  const rows = bulkLoad(options.file, tenant.id, options.users);
  const buildSeconds = (performance.now() - built) / 1000;
  store = await openStore(url);
  try {
    const asOf = iso(START + FIVE_YEARS / 2);
    const count = (report: Parameters<typeof openAccessReport>[2]) => async () => {
      let n = 0;
      for await (const _user of (await openAccessReport(store, SLUG, report)).users) n++;
      return n;
    };
    const probe = Math.floor(options.users / 2);
    const page =
      (at: number | undefined, extra: { role?: string } = {}) =>
      async () =>
        (
          await store.history.accessAt(tenant.id, {
            asOf,
            limit: PAGE,
            ...extra,
            ...(at === undefined ? {} : { afterUserId: userId(at) }),
          })
        ).length;
    const csv = async () => {
      const started = performance.now();
      let firstRowMs = 0;
      let lines = 0;
      for await (const _line of accessCsv((await openAccessReport(store, SLUG, { asOf })).users)) {
        if (++lines === 2) firstRowMs = performance.now() - started;
      }
      return { firstRowMs, rows: lines - 1 };
    };
    const queries: ScaleQuery[] = [
      { name: 'whole as-of report, streamed', ...(await timed(count({ asOf }), (n) => n)) },
      { name: 'one page (1,000 users), the first', ...(await timed(page(undefined), (n) => n)) },
      { name: 'one page (1,000 users), in the middle (keyset)', ...(await timed(page(probe), (n) => n)) },
      {
        name: 'one page (1,000 users), the last (keyset)',
        ...(await timed(page(Math.max(0, options.users - 1500)), (n) => n)),
      },
      { name: 'as-of report, one role', ...(await timed(count({ asOf, role: 'Role7' }), (n) => n)) },
      {
        name: 'one page of one role, in the middle (keyset)',
        ...(await timed(page(probe, { role: 'Role7' }), (n) => n)),
      },
      {
        name: 'as-of report, one group (by displayName)',
        ...(await timed(count({ asOf, group: `Group ${groupOf(probe, 1)}` }), (n) => n)),
      },
      {
        name: 'as-of report, one role, held in memory (`scimd access` table)',
        ...(await timed(
          async () => (await collectAccess(await openAccessReport(store, SLUG, { asOf, role: 'Role3' }))).length,
          (n) => n,
        )),
      },
      {
        name: 'one timeline by userName',
        ...(await timed(
          () => readUserTimeline(store, SLUG, `USER${probe}@example.com`),
          (t) => t.entries.length,
        )),
      },
    ];
    const started = performance.now();
    const exported = await csv();
    const exportMs = performance.now() - started;
    queries.push(
      { name: 'whole report as CSV: time to the first row', ms: exported.firstRowMs, count: 1 },
      { name: 'whole report as CSV, streamed to the end', ms: exportMs, count: exported.rows },
    );
    return { users: options.users, rows, buildSeconds, asOf, queries };
  } finally {
    await store.close();
  }
}

export function renderScaleReport(report: ScaleReport): string {
  return [
    `Access history at scale (SQLite): ${report.users} users, ${report.rows} rows, built in ${report.buildSeconds.toFixed(1)} s; as of ${report.asOf}`,
    '',
    '| query | ms | users or entries | per second |',
    '| --- | ---: | ---: | ---: |',
    ...report.queries.map(
      (q) =>
        `| ${q.name} | ${q.ms.toFixed(q.ms < 10 ? 1 : 0)} | ${q.count} | ${q.count > 1000 ? Math.round((q.count * 1000) / q.ms) : ''} |`,
    ),
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      users: { type: 'string', default: '1000000' },
      file: { type: 'string' },
      keep: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const dir = values.file === undefined ? mkdtempSync(join(tmpdir(), 'scimd-history-scale-')) : undefined;
  const file = values.file ?? join(dir!, 'history-scale.db');
  try {
    const report = await measureHistoryScale({ users: Number(values.users), file });
    process.stdout.write(`${values.json ? JSON.stringify(report, null, 2) : renderScaleReport(report)}\n`);
  } finally {
    if (dir !== undefined && !values.keep) rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
