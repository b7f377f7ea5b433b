/**
 * The access history's starting point (migration 0007-access-history, docs/history.md): every
 * user that exists when the history begins gets a `baseline` row (its userName and `active`,
 * the start of its user span) plus a `role_granted` row per role and a `group_joined` row per
 * group it is a direct member of, all at the migration's time and without a request id. As-of
 * answers for any moment after the upgrade are then complete; before it there is no history.
 *
 * Read page by page in key order and written in multi-row inserts, so a large directory costs
 * time at the upgrade, not memory.
 */
import type { Kysely } from 'kysely';
import { foldName, roleKey, rolesOf } from '../history-port.js';
import type { SqlDialect } from './dialect.js';
import { chunk } from './scope.js';
import type { AccessHistoryTable, Database } from './tables.js';

const PAGE = 1000;

type Row = Omit<AccessHistoryTable, 'seq'> & { seq: number };

function baseRow(tenantId: string, userId: string, at: string, ord: number): Omit<Row, 'kind' | 'detail'> {
  return {
    tenant_id: tenantId,
    user_id: userId,
    seq: 0,
    ord,
    at,
    request_id: null,
    user_name: null,
    span: null,
    span_key: null,
    name_fold: null,
    active: null,
    valid_to: null,
  };
}

async function insertRows(db: Kysely<Database>, dialect: SqlDialect, rows: readonly Row[]): Promise<void> {
  for (const part of chunk(rows, 14, dialect.fragments.maxParameters)) {
    if (part.length > 0) await db.insertInto('access_history').values(part).execute();
  }
}

async function baselineUsers(db: Kysely<Database>, dialect: SqlDialect, at: string): Promise<void> {
  let after: { tenant: string; id: string } | undefined;
  for (;;) {
    let page = db
      .selectFrom('resources')
      .select(['tenant_id', 'id', 'body'])
      .where('resource_type', '=', 'User')
      .orderBy('tenant_id')
      .orderBy('id')
      .limit(PAGE);
    if (after !== undefined) {
      const { tenant, id } = after;
      page = page.where((eb) =>
        eb.or([eb('tenant_id', '>', tenant), eb.and([eb('tenant_id', '=', tenant), eb('id', '>', id)])]),
      );
    }
    const users = await page.execute();
    const rows: Row[] = [];
    for (const user of users) {
      const body = dialect.codec.decodeJson(user.body);
      const userName = typeof body['userName'] === 'string' ? body['userName'] : '';
      const active = body['active'] !== false;
      rows.push({
        ...baseRow(user.tenant_id, user.id, at, 0),
        kind: 'baseline',
        user_name: userName,
        detail: JSON.stringify({ active }),
        span: 'user',
        span_key: '',
        name_fold: foldName(userName),
        active: active ? 1 : 0,
      });
      rolesOf(body).forEach((role, i) => {
        rows.push({
          ...baseRow(user.tenant_id, user.id, at, i + 1),
          kind: 'role_granted',
          user_name: userName,
          detail: JSON.stringify(role),
          span: 'role',
          span_key: roleKey(role),
          name_fold: foldName(role.value),
        });
      });
    }
    await insertRows(db, dialect, rows);
    if (users.length < PAGE) return;
    const last = users[users.length - 1]!;
    after = { tenant: last.tenant_id, id: last.id };
  }
}

async function baselineMemberships(db: Kysely<Database>, dialect: SqlDialect, at: string): Promise<void> {
  let after: { tenant: string; group: string; member: string } | undefined;
  for (;;) {
    let page = db
      .selectFrom('group_members as m')
      .innerJoin('resources as g', (join) =>
        join.onRef('g.tenant_id', '=', 'm.tenant_id').onRef('g.id', '=', 'm.group_id'),
      )
      .select(['m.tenant_id', 'm.group_id', 'm.member_id', 'g.body'])
      .where('m.member_type', '=', 'User')
      .orderBy('m.tenant_id')
      .orderBy('m.group_id')
      .orderBy('m.member_id')
      .limit(PAGE);
    if (after !== undefined) {
      const { tenant, group, member } = after;
      page = page.where((eb) =>
        eb.or([
          eb('m.tenant_id', '>', tenant),
          eb.and([eb('m.tenant_id', '=', tenant), eb('m.group_id', '>', group)]),
          eb.and([eb('m.tenant_id', '=', tenant), eb('m.group_id', '=', group), eb('m.member_id', '>', member)]),
        ]),
      );
    }
    const members = await page.execute();
    const rows: Row[] = members.map((m) => {
      const body = dialect.codec.decodeJson(m.body);
      const displayName = typeof body['displayName'] === 'string' ? body['displayName'] : '';
      return {
        ...baseRow(m.tenant_id, m.member_id, at, 1000),
        kind: 'group_joined',
        detail: JSON.stringify({ id: m.group_id, displayName }),
        span: 'group',
        span_key: m.group_id,
        name_fold: foldName(displayName),
      };
    });
    await insertRows(db, dialect, rows);
    if (members.length < PAGE) return;
    const last = members[members.length - 1]!;
    after = { tenant: last.tenant_id, group: last.group_id, member: last.member_id };
  }
}

/** Records the baseline of every tenant's users at `at`. */
export async function recordAccessBaseline(db: Kysely<Database>, dialect: SqlDialect, at: string): Promise<void> {
  await baselineUsers(db, dialect, at);
  await baselineMemberships(db, dialect, at);
}
