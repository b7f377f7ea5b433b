/**
 * Completes a backend's writer with the outbox half of `TenantWriter` (events-port.ts): event
 * appends, and a journal of the membership changes the writer makes, so the service can emit
 * one event per member actually added or removed. Shared by every backend; each supplies how it
 * appends events and which ids are currently members of a group.
 */
import type { ChangeEvent, MemberChanges, NewChangeEvent, OutboxWriter } from './events-port.js';
import type { GuardCapture, GuardWriter } from './guard-port.js';
import type { UnsequencedAccessDelta } from './history-port.js';
import type { MemberRef } from './shapes.js';
import type { TenantWriter } from './store.js';

/** A writer without the outbox half: what backends build first. */
export type CoreTenantWriter = Omit<TenantWriter, keyof OutboxWriter>;

interface OutboxBackend {
  appendEvents(events: readonly NewChangeEvent[], access?: UnsequencedAccessDelta): Promise<readonly ChangeEvent[]>;
  /** The backend's own `appendFinal`; by default `appendEvents`, then the capture when held. */
  appendFinal?: OutboxWriter['appendFinal'];
  /** Which of `ids` (every member when undefined) are members of `groupId` now, with their type. */
  membersAmong(groupId: string, ids: readonly string[] | undefined): Promise<ReadonlyMap<string, MemberRef['type']>>;
}

interface JournalEntry {
  readonly type: MemberRef['type'];
  /** Member when the journal first saw it. */
  readonly was: boolean;
  is: boolean;
}

/**
 * `appendFinal`'s capture after an answered append: the guard's capture of the resource, with
 * the first event's sequence number, when the append found the tenant's deliveries held.
 */
export async function captureWhenHeld(
  guard: GuardWriter,
  first: ChangeEvent | undefined,
  capture: Omit<GuardCapture, 'seq'> | undefined,
): Promise<void> {
  if (capture === undefined || first === undefined || (guard.deliveryHold() ?? null) === null) return;
  await guard.capture([{ ...capture, seq: first.seq }]);
}

export function withOutbox(core: CoreTenantWriter, backend: OutboxBackend): TenantWriter {
  const journal = new Map<string, Map<string, JournalEntry>>();

  function note(groupId: string, refs: readonly MemberRef[], is: boolean): void {
    let entries = journal.get(groupId);
    if (!entries) {
      entries = new Map();
      journal.set(groupId, entries);
    }
    for (const ref of refs) {
      const entry = entries.get(ref.value);
      if (entry) entry.is = is;
      else entries.set(ref.value, { type: ref.type, was: !is, is });
    }
  }

  const refsOf = (found: ReadonlyMap<string, MemberRef['type']>, ids: Iterable<string>): MemberRef[] => {
    const refs: MemberRef[] = [];
    for (const id of ids) {
      const type = found.get(id);
      if (type !== undefined) refs.push({ value: id, type });
    }
    return refs;
  };

  return {
    ...core,
    async addMembers(groupId, members: readonly MemberRef[]) {
      const unique = [...new Map(members.map((m) => [m.value, m])).values()];
      const present = await backend.membersAmong(
        groupId,
        unique.map((m) => m.value),
      );
      const added = await core.addMembers(groupId, unique);
      note(
        groupId,
        unique.filter((m) => !present.has(m.value)).map((m) => ({ value: m.value, type: m.type })),
        true,
      );
      return added;
    },
    async removeMembers(groupId, memberIds) {
      const ids = [...new Set(memberIds)];
      const present = await backend.membersAmong(groupId, ids);
      const removed = await core.removeMembers(groupId, ids);
      note(groupId, refsOf(present, ids), false);
      return removed;
    },
    async clearMembers(groupId) {
      const present = await backend.membersAmong(groupId, undefined);
      const removed = await core.clearMembers(groupId);
      note(groupId, refsOf(present, present.keys()), false);
      return removed;
    },
    appendEvents: (events, access) => backend.appendEvents(events, access),
    appendFinal:
      backend.appendFinal ??
      (async (events, access, capture) => {
        const [first] = await backend.appendEvents(events, access);
        await captureWhenHeld(core.guard, first, capture);
      }),
    takeMemberChanges(groupId): MemberChanges {
      const entries = journal.get(groupId);
      journal.delete(groupId);
      const added: MemberRef[] = [];
      const removed: MemberRef[] = [];
      for (const [value, entry] of entries ?? []) {
        if (!entry.was && entry.is) added.push({ value, type: entry.type });
        if (entry.was && !entry.is) removed.push({ value, type: entry.type });
      }
      return { added, removed };
    },
  };
}
