/**
 * The memory store's per-tenant data and its undo log. Every mutation goes through one of the
 * three primitives below, each of which records its inverse, so a failed unit of work rolls
 * back exactly what it changed (O(changes), not O(tenant size)).
 */
import type { ResourceTypeName } from '../../scim/schema/types.js';
import type { ProjectedColumns } from '../project-columns.js';
import type { StoredResource } from '../store.js';

export interface MemoryRow {
  readonly resource: StoredResource;
  readonly columns: ProjectedColumns;
}

interface MemoryMembership {
  readonly type: 'User' | 'Group';
  /** Insertion order within the tenant. */
  readonly seq: number;
}

export class MemoryTenantState {
  readonly rows = new Map<string, MemoryRow>();
  /** Folded unique name → id, per resource type. */
  readonly names: Record<ResourceTypeName, Map<string, string>> = { User: new Map(), Group: new Map() };
  /** groupId → memberId → membership, in insertion order. */
  readonly members = new Map<string, Map<string, MemoryMembership>>();
  /** memberId → ids of the groups it directly belongs to. */
  readonly memberOf = new Map<string, Set<string>>();
  private seq = 0;
  private undo: (() => void)[] | undefined;

  /** Starts recording inverses; `rollback` replays them, `commit` forgets them. */
  begin(): void {
    this.undo = [];
  }

  commit(): void {
    this.undo = undefined;
  }

  rollback(): void {
    const undo = this.undo ?? [];
    this.undo = undefined;
    for (let i = undo.length - 1; i >= 0; i--) undo[i]!();
  }

  nextSeq(): number {
    const before = this.seq;
    this.record(() => {
      this.seq = before;
    });
    this.seq = before + 1;
    return this.seq;
  }

  setRow(id: string, row: MemoryRow | undefined): void {
    const before = this.rows.get(id);
    this.record(() => assign(this.rows, id, before));
    assign(this.rows, id, row);
  }

  setName(type: ResourceTypeName, fold: string, id: string | undefined): void {
    const names = this.names[type];
    const before = names.get(fold);
    this.record(() => assign(names, fold, before));
    assign(names, fold, id);
  }

  setMember(groupId: string, memberId: string, membership: MemoryMembership | undefined): void {
    const before = this.members.get(groupId)?.get(memberId);
    this.record(() => this.writeMember(groupId, memberId, before));
    this.writeMember(groupId, memberId, membership);
  }

  private writeMember(groupId: string, memberId: string, membership: MemoryMembership | undefined): void {
    const members = this.members.get(groupId);
    const groups = this.memberOf.get(memberId);
    if (membership === undefined) {
      members?.delete(memberId);
      groups?.delete(groupId);
      if (members?.size === 0) this.members.delete(groupId);
      if (groups?.size === 0) this.memberOf.delete(memberId);
      return;
    }
    if (members) members.set(memberId, membership);
    else this.members.set(groupId, new Map([[memberId, membership]]));
    if (groups) groups.add(groupId);
    else this.memberOf.set(memberId, new Set([groupId]));
  }

  private record(inverse: () => void): void {
    if (this.undo === undefined) throw new Error('memory store: write outside a transaction');
    this.undo.push(inverse);
  }
}

function assign<K, V>(map: Map<K, V>, key: K, value: V | undefined): void {
  if (value === undefined) map.delete(key);
  else map.set(key, value);
}
