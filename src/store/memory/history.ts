/**
 * The memory store's access history (the test oracle for sql/history.ts): one row list per
 * tenant. A unit of work stages its deltas and applies them at commit, so a rollback leaves
 * nothing behind. Every function here runs under the memory store's mutex.
 */
import {
  type AccessDelta,
  type AccessQuery,
  type AccessState,
  type AccessTimelineEntry,
  byText,
  foldName,
  type GroupRef,
  type HistoryRepository,
  type NewSpan,
  type RoleGrant,
  sortGroups,
  sortRoles,
} from '../history-port.js';

interface Row extends AccessTimelineEntry {
  readonly seq: number;
  readonly ord: number;
  readonly span: NewSpan | undefined;
  validTo: string | null;
}

interface HistoryTransaction {
  append(delta: AccessDelta): void;
  commit(): void;
}

const byTime = (a: Row, b: Row) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.seq - b.seq || a.ord - b.ord);

const validAt = (row: Row, t: string) =>
  row.span !== undefined && row.time <= t && (row.validTo === null || row.validTo > t);

export class MemoryHistory {
  readonly rows = new Map<string, Row[]>();

  begin(tenantId: string): HistoryTransaction {
    const staged: AccessDelta[] = [];
    return {
      append: (delta) => staged.push(structuredClone(delta)),
      commit: () => {
        for (const delta of staged) this.apply(tenantId, delta);
      },
    };
  }

  deleteTenant(tenantId: string): void {
    this.rows.delete(tenantId);
  }

  private apply(tenantId: string, delta: AccessDelta): void {
    const rows = this.rows.get(tenantId) ?? [];
    this.rows.set(tenantId, rows);
    const open = (row: Row) => row.span !== undefined && row.validTo === null;
    const base = { seq: delta.seq, time: delta.time, requestId: delta.requestId };
    if (delta.groupDeleted) {
      const { id, displayName } = delta.groupDeleted;
      const spans = rows.filter((r) => open(r) && r.span?.kind === 'group' && r.span.key === id);
      for (const span of spans) {
        span.validTo = delta.time;
        const detail = { id, displayName };
        rows.push({
          ...base,
          ord: 0,
          userId: span.userId,
          kind: 'group_left',
          userName: null,
          detail,
          span: undefined,
          validTo: null,
        });
      }
    }
    for (const close of delta.close) {
      for (const row of rows) {
        if (!open(row) || row.userId !== close.userId) continue;
        if (close.kind !== undefined && row.span?.kind !== close.kind) continue;
        if (close.key !== undefined && row.span?.key !== close.key) continue;
        row.validTo = delta.time;
      }
    }
    delta.rows.forEach((row, ord) => {
      rows.push({ ...base, ord, ...row, detail: row.detail, span: row.span, validTo: null });
    });
  }

  repository(locked: <T>(fn: () => T) => Promise<T>): HistoryRepository {
    const of = (tenantId: string) => this.rows.get(tenantId) ?? [];
    return {
      timeline: (tenantId, userId) =>
        locked(() =>
          of(tenantId)
            .filter((r) => r.userId === userId)
            .sort(byTime)
            .map(({ userId: u, time, requestId, kind, userName, detail }) =>
              structuredClone({ userId: u, time, requestId, kind, userName, detail }),
            ),
        ),
      findUserIds: (tenantId, userName) =>
        locked(() => {
          const fold = foldName(userName);
          const ids = of(tenantId)
            .filter((r) => r.span?.kind === 'user' && r.span.nameFold === fold)
            .map((r) => r.userId);
          return [...new Set(ids)].sort(byText);
        }),
      accessAt: (tenantId, query) => locked(() => accessAt(of(tenantId), query)),
      // Deltas are recorded with their write: nothing waits.
      backlog: () => Promise.resolve(0),
      prune: (before) =>
        locked(() => {
          let removed = 0;
          for (const [tenantId, rows] of this.rows) {
            const kept = rows.filter(
              (r) => !(r.time < before && (r.span === undefined || (r.validTo !== null && r.validTo < before))),
            );
            removed += rows.length - kept.length;
            this.rows.set(tenantId, kept);
          }
          return removed;
        }),
    };
  }
}

function accessAt(rows: readonly Row[], query: AccessQuery): AccessState[] {
  const t = query.asOf;
  const valid = rows.filter((r) => validAt(r, t));
  const users = new Map<string, { userName: string; active: boolean; roles: RoleGrant[]; groups: GroupRef[] }>();
  for (const row of valid) {
    if (row.span?.kind === 'user') {
      users.set(row.userId, { userName: row.userName ?? '', active: row.span.active !== false, roles: [], groups: [] });
    }
  }
  const roleFold = query.role === undefined ? undefined : foldName(query.role);
  const groupFold = query.group === undefined ? undefined : foldName(query.group);
  const hasRole = new Set<string>();
  const inGroup = new Set<string>();
  for (const row of valid) {
    const user = users.get(row.userId);
    if (!user || row.span === undefined) continue;
    if (row.span.kind === 'role') {
      user.roles.push(row.detail as unknown as RoleGrant);
      if (row.span.nameFold === roleFold) hasRole.add(row.userId);
    } else if (row.span.kind === 'group') {
      user.groups.push(row.detail as unknown as GroupRef);
      if (row.span.key === query.group || row.span.nameFold === groupFold) inGroup.add(row.userId);
    }
  }
  const states: AccessState[] = [];
  for (const [userId, user] of users) {
    if (!query.includeInactive && !user.active) continue;
    if (query.afterUserId !== undefined && userId <= query.afterUserId) continue;
    if (roleFold !== undefined && !hasRole.has(userId)) continue;
    if (query.group !== undefined && !inGroup.has(userId)) continue;
    states.push(structuredClone({ userId, ...user, roles: sortRoles(user.roles), groups: sortGroups(user.groups) }));
  }
  return states.sort((a, b) => byText(a.userId, b.userId)).slice(0, query.limit);
}
