/**
 * The deprovision guard's write-path half (docs/guard.md), called by `outbox.ts` in the unit of
 * work of every write, around the append of the write's events:
 *
 * - A deprovision (a user deleted, deactivated, or stripped of all roles) is noted in the
 *   tenant's sliding window; when the window crosses the threshold the guard trips: it appends
 *   `tenant.guard_tripped` BEFORE the write's events and sets the tenant's delivery hold at it.
 * - While delivery is held, the state of each resource before its first held change is kept,
 *   so `scimd guard show` can tell net effects without the change feed.
 *
 * Cost: a write that is not a deprovision, to a tenant that is not held, runs no statement
 * here (the hold comes back with the event sequence). A deprovision runs three (read the guard,
 * note the user, count the window) and a fourth, the denominator, only once the window reaches
 * the minimum. A held write runs one more (the capture).
 */
import type { ResourceChange } from '../events/change-events.js';
import { guardTrippedEvent } from '../events/guard-events.js';
import type { NewChangeEvent } from '../store/events-port.js';
import type { GuardBeforeState, GuardRecord, GuardSettings } from '../store/guard-port.js';
import type { UnsequencedAccessDelta } from '../store/history-port.js';
import type { StoredResource, TenantWriter } from '../store/store.js';
import { type RequestContext, timestamp } from './context.js';

/** Defaults and why: docs/guard.md. */
export const DEFAULT_GUARD_SETTINGS: GuardSettings = Object.freeze({
  enabled: true,
  percent: 10,
  minimum: 20,
  windowMinutes: 60,
});

/** The settings a tenant's guard applies: its overrides over the global settings. */
export function effectiveGuardSettings(global: GuardSettings, record: GuardRecord | undefined): GuardSettings {
  return { ...global, ...(record?.overrides ?? {}) };
}

/** Where the window starts: `windowMinutes` ago, or the last release/reset if later. */
export function windowStart(now: Date, settings: GuardSettings, record: GuardRecord | undefined): string {
  const start = new Date(now.getTime() - settings.windowMinutes * 60_000).toISOString();
  const from = record?.countFrom ?? null;
  return from !== null && from > start ? from : start;
}

/** Trips when more than `percent` of `base`, and at least `minimum`, were deprovisioned. */
export function crossesThreshold(deprovisioned: number, base: number, settings: GuardSettings): boolean {
  return deprovisioned >= settings.minimum && deprovisioned * 100 > settings.percent * base;
}

const isActive = (resource: StoredResource) => resource.body['active'] !== false;

function roleCount(resource: StoredResource): number {
  const roles = resource.body['roles'];
  return Array.isArray(roles) ? roles.length : 0;
}

/** The user a change deprovisions, if it does: deleted, deactivated or stripped of all roles. */
export function deprovisionedUser(change: ResourceChange): string | undefined {
  const { before, after } = change;
  if (change.resourceType !== 'User' || before === undefined) return undefined;
  if (after === undefined) return before.id;
  if (isActive(before) && !isActive(after)) return before.id;
  if (roleCount(before) > 0 && roleCount(after) === 0) return before.id;
  return undefined;
}

function roleValues(resource: StoredResource): string[] {
  const roles = resource.body['roles'];
  if (!Array.isArray(roles)) return [];
  return roles
    .map((r) => (r !== null && typeof r === 'object' ? (r as Record<string, unknown>)['value'] : undefined))
    .filter((v): v is string => typeof v === 'string')
    .sort();
}

/** JSON text with object keys sorted, so equal bodies give equal text whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** FNV-1a of the body's other attributes: enough to tell "changed" from "as before", compactly. */
function digestOf(body: Record<string, unknown>, leaveOut: readonly string[]): string {
  const rest = Object.fromEntries(Object.entries(body).filter(([k]) => !leaveOut.includes(k)));
  let hash = 0x811c9dc5;
  for (const char of canonical(rest)) {
    hash ^= char.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/** The compact state the held-changes summary compares with the current one. */
export function beforeState(resource: StoredResource | undefined): GuardBeforeState {
  if (resource === undefined) return { existed: false };
  if (resource.resourceType === 'User') {
    const userName = resource.body['userName'];
    return {
      existed: true,
      active: isActive(resource),
      roles: roleValues(resource),
      ...(typeof userName === 'string' ? { userName } : {}),
      digest: digestOf(resource.body, ['active', 'roles']),
    };
  }
  const displayName = resource.body['displayName'];
  return {
    existed: true,
    ...(typeof displayName === 'string' ? { displayName } : {}),
    digest: digestOf(resource.body, []),
  };
}

async function noteDeprovision(ctx: RequestContext, tx: TenantWriter, userId: string): Promise<void> {
  const record = await tx.guard.read();
  const settings = effectiveGuardSettings(ctx.guard ?? DEFAULT_GUARD_SETTINGS, record);
  if (!settings.enabled || record?.state === 'tripped') return;
  const now = timestamp(ctx);
  await tx.guard.noteDeprovision(userId, now);
  const since = windowStart(ctx.now, settings, record);
  const deprovisioned = await tx.guard.countDeprovisions(since);
  if (deprovisioned < settings.minimum) return;
  const base = await tx.guard.countBase(since);
  if (!crossesThreshold(deprovisioned, base, settings)) return;
  const trip = { tenantId: ctx.tenantId, time: now, requestId: ctx.requestId, deprovisioned, base, ...settings };
  const [tripped] = await tx.appendEvents([guardTrippedEvent(trip)]);
  if (tripped === undefined) throw new Error('the guard event was not appended');
  await tx.guard.write({
    tenantId: ctx.tenantId,
    overrides: record?.overrides ?? {},
    state: 'tripped',
    since: now,
    heldSeq: tripped.seq,
    countFrom: record?.countFrom ?? null,
    trippedAt: now,
    tripDeprovisioned: deprovisioned,
    tripBase: base,
  });
  await tx.guard.recordDecision({
    id: crypto.randomUUID(),
    tenantId: ctx.tenantId,
    time: now,
    action: 'trip',
    actor: 'guard',
    detail: {
      deprovisioned,
      activeUsers: base,
      percent: settings.percent,
      minimum: settings.minimum,
      windowMinutes: settings.windowMinutes,
      heldFrom: tripped.seq,
      requestId: ctx.requestId,
    },
  });
}

/**
 * Appends a write's events with the guard around them (outbox.ts), and its access history
 * delta with them. `change` is the write as the outbox sees it; a deletion passes `before` only.
 */
export async function appendGuarded(
  ctx: RequestContext,
  tx: TenantWriter,
  change: ResourceChange,
  events: readonly NewChangeEvent[],
  access?: UnsequencedAccessDelta,
): Promise<void> {
  const userId = deprovisionedUser(change);
  if (userId !== undefined) await noteDeprovision(ctx, tx, userId);
  const resource = change.after ?? change.before;
  const capture =
    resource === undefined
      ? undefined
      : { resourceType: resource.resourceType, resourceId: resource.id, before: beforeState(change.before) };
  // Captured by the store when the append finds deliveries held: the append answers nothing, so
  // it may travel with the commit (events-port.ts, `appendFinal`).
  await tx.appendFinal(events, access, capture);
}

/** The global settings from configuration (`SCIMD_GUARD_*`); absent values take the defaults. */
export function guardSettingsFrom(config: {
  readonly guardEnabled?: boolean | undefined;
  readonly guardPercent?: number | undefined;
  readonly guardMinimum?: number | undefined;
  readonly guardWindowMinutes?: number | undefined;
}): GuardSettings {
  return {
    enabled: config.guardEnabled ?? DEFAULT_GUARD_SETTINGS.enabled,
    percent: config.guardPercent ?? DEFAULT_GUARD_SETTINGS.percent,
    minimum: config.guardMinimum ?? DEFAULT_GUARD_SETTINGS.minimum,
    windowMinutes: config.guardWindowMinutes ?? DEFAULT_GUARD_SETTINGS.windowMinutes,
  };
}
