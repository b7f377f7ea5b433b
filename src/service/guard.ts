/**
 * The deprovision guard's operator use cases (docs/guard.md), shared by `scimd guard`, the
 * admin API and the console: every tenant's guard, what a held tenant holds, release, reset and
 * per-tenant settings. Every decision is recorded with who made it and when.
 */
import { guardReleasedEvent } from '../events/guard-events.js';
import { conflict, invalidValue } from '../scim/errors.js';
import type {
  GuardBeforeState,
  GuardDecision,
  GuardOverrides,
  GuardRecord,
  GuardSettings,
  GuardStateName,
} from '../store/guard-port.js';
import type { Store, StoredResource, TenantRecord, TenantWriter } from '../store/store.js';
import { getTenant } from '../tenancy/tenants.js';
import { beforeState, DEFAULT_GUARD_SETTINGS, effectiveGuardSettings } from './deprovision-guard.js';

/** Decisions shown with a guard. */
const RECENT_DECISIONS = 10;

export interface GuardView {
  readonly tenant: { readonly id: string; readonly slug: string; readonly name: string };
  readonly state: GuardStateName;
  /** When it entered the state; null: armed since the tenant began. */
  readonly since: string | null;
  /** What the guard applies, and which of those values are the tenant's own. */
  readonly settings: GuardSettings;
  readonly overrides: GuardOverrides;
  /** Tripped: the cursor of the `tenant.guard_tripped` event, and how many events wait after it. */
  readonly heldFrom: string | null;
  readonly heldEvents: number;
  readonly lastTrip: { readonly at: string; readonly deprovisioned: number; readonly activeUsers: number } | null;
  /** Newest first: trip, release, reset, configure, with who and when. */
  readonly decisions: readonly GuardDecision[];
}

async function viewOf(
  store: Store,
  tenant: TenantRecord,
  record: GuardRecord | undefined,
  global: GuardSettings,
): Promise<GuardView> {
  const heldSeq = record?.state === 'tripped' ? record.heldSeq : null;
  const lastSeq = heldSeq === null ? 0 : (await store.events.list(tenant.id, 0, 0)).lastSeq;
  const trip = record?.trippedAt ?? null;
  return {
    tenant: { id: tenant.id, slug: tenant.slug, name: tenant.name },
    state: record?.state ?? 'armed',
    since: record?.since ?? null,
    settings: effectiveGuardSettings(global, record),
    overrides: record?.overrides ?? {},
    heldFrom: heldSeq === null ? null : String(heldSeq),
    heldEvents: heldSeq === null ? 0 : lastSeq - heldSeq,
    lastTrip:
      trip === null
        ? null
        : { at: trip, deprovisioned: record?.tripDeprovisioned ?? 0, activeUsers: record?.tripBase ?? 0 },
    decisions: await store.guard.decisions(tenant.id, RECENT_DECISIONS),
  };
}

/** Every tenant's guard, by slug. */
export async function listGuards(store: Store, global: GuardSettings = DEFAULT_GUARD_SETTINGS): Promise<GuardView[]> {
  const records = new Map((await store.guard.list()).map((r) => [r.tenantId, r]));
  const views: GuardView[] = [];
  const tenants = [...(await store.tenants.list())].sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
  for (const tenant of tenants) views.push(await viewOf(store, tenant, records.get(tenant.id), global));
  return views;
}

export async function readGuard(
  store: Store,
  slug: string,
  global: GuardSettings = DEFAULT_GUARD_SETTINGS,
): Promise<GuardView> {
  const tenant = await getTenant(store, slug);
  return viewOf(store, tenant, await store.guard.get(tenant.id), global);
}

/** What holding did to one resource, comparing its state before its first held change with now. */
export interface HeldChange {
  readonly resourceType: 'User' | 'Group';
  readonly id: string;
  /** userName or displayName, as now or (deleted) as before. */
  readonly name: string | null;
  /** e.g. `deactivated`, `deleted`, `roles_removed`; [`no_change`] when it nets to nothing. */
  readonly effects: readonly string[];
}

export interface GuardSummary {
  readonly guard: GuardView;
  /** By effect: how many users or groups had it. */
  readonly counts: Readonly<Record<string, number>>;
  readonly changes: readonly HeldChange[];
}

function userEffects(before: GuardBeforeState, now: GuardBeforeState): string[] {
  if (!before.existed) return now.existed ? ['created'] : ['no_change'];
  if (!now.existed) return ['deleted'];
  const effects: string[] = [];
  if (before.active !== now.active) effects.push(now.active ? 'reactivated' : 'deactivated');
  const was = new Set(before.roles ?? []);
  const is = new Set(now.roles ?? []);
  const removed = [...was].filter((r) => !is.has(r));
  const added = [...is].filter((r) => !was.has(r));
  if (removed.length > 0 && is.size === 0) effects.push('roles_removed');
  else if (removed.length > 0 || added.length > 0) effects.push('roles_changed');
  if (before.digest !== now.digest) effects.push('updated');
  return effects.length > 0 ? effects : ['no_change'];
}

function groupEffects(before: GuardBeforeState, now: GuardBeforeState): string[] {
  if (!before.existed) return now.existed ? ['created'] : ['no_change'];
  if (!now.existed) return ['deleted'];
  return before.digest === now.digest ? ['no_change'] : ['updated'];
}

/** What a held tenant holds: the net effect on each user and group changed since the trip. */
export async function summariseHeld(
  store: Store,
  slug: string,
  global: GuardSettings = DEFAULT_GUARD_SETTINGS,
): Promise<GuardSummary> {
  const guard = await readGuard(store, slug, global);
  const tenantStore = store.forTenant(guard.tenant.id);
  const captures = guard.state === 'tripped' ? await store.guard.captures(guard.tenant.id) : [];
  const counts: Record<string, number> = {};
  const changes: HeldChange[] = [];
  for (const capture of captures) {
    const current: StoredResource | undefined = await tenantStore.getResource(capture.resourceType, capture.resourceId);
    const now = beforeState(current);
    const effects =
      capture.resourceType === 'User' ? userEffects(capture.before, now) : groupEffects(capture.before, now);
    const name = now.userName ?? now.displayName ?? capture.before.userName ?? capture.before.displayName ?? null;
    for (const effect of effects) counts[effect] = (counts[effect] ?? 0) + 1;
    changes.push({ resourceType: capture.resourceType, id: capture.resourceId, name, effects });
  }
  return { guard, counts, changes };
}

export interface GuardDecisionInput {
  /** Who: `cli:<user>`, `admin-api:<credential>`, `console:<credential>`. */
  readonly actor: string;
  readonly now: Date;
}

function armedRecord(tenantId: string, since: string): GuardRecord {
  return {
    tenantId,
    overrides: {},
    state: 'armed',
    since,
    heldSeq: null,
    countFrom: null,
    trippedAt: null,
    tripDeprovisioned: null,
    tripBase: null,
  };
}

/**
 * One operator decision on a tenant's guard, in the tenant's unit of work: `decide` checks and
 * writes, and says what it did; the decision is recorded with who and when in the same
 * transaction (nothing is recorded when `decide` refuses), and the guard is read back.
 */
async function decideGuard(
  store: Store,
  slug: string,
  input: GuardDecisionInput,
  global: GuardSettings,
  decide: (tx: TenantWriter, tenantId: string, at: string) => Promise<Pick<GuardDecision, 'action' | 'detail'>>,
): Promise<GuardView> {
  const tenant = await getTenant(store, slug);
  const at = input.now.toISOString();
  await store.forTenant(tenant.id).transaction(async (tx) => {
    const { action, detail } = await decide(tx, tenant.id, at);
    await tx.guard.recordDecision({
      id: crypto.randomUUID(),
      tenantId: tenant.id,
      time: at,
      action,
      actor: input.actor,
      detail,
    });
  });
  return readGuard(store, slug, global);
}

/**
 * Delivers what is held: appends `tenant.guard_released` after every held event and lifts the
 * hold, so every endpoint and the feed go on in order from the guard event. The guard is armed
 * again at once, counting only deprovisions made from now on. Refused (409) when not tripped.
 */
export async function releaseGuard(
  store: Store,
  slug: string,
  input: GuardDecisionInput,
  global: GuardSettings = DEFAULT_GUARD_SETTINGS,
): Promise<GuardView> {
  return decideGuard(store, slug, input, global, async (tx, tenantId, at) => {
    const record = await tx.guard.read();
    if (record?.state !== 'tripped' || record.heldSeq === null) {
      throw conflict(`the deprovision guard of tenant "${slug}" is not holding anything to release`);
    }
    const [event] = await tx.appendEvents([
      guardReleasedEvent({ tenantId, time: at, heldFrom: record.heldSeq, by: input.actor }),
    ]);
    // The events recorded after the guard event, before this one.
    const released = (event?.seq ?? record.heldSeq + 1) - 1 - record.heldSeq;
    await tx.guard.write({ ...record, state: 'released', since: at, heldSeq: null, countFrom: at });
    await tx.guard.clearCaptures();
    await tx.guard.forgetDeprovisions(at);
    return { action: 'release', detail: { heldFrom: record.heldSeq, releasedEvents: released } };
  });
}

/**
 * Re-arms the guard with an empty window (deprovisions so far no longer count). Refused (409)
 * while it holds events: release them first, so nothing held is ever dropped.
 */
export async function resetGuard(
  store: Store,
  slug: string,
  input: GuardDecisionInput,
  global: GuardSettings = DEFAULT_GUARD_SETTINGS,
): Promise<GuardView> {
  return decideGuard(store, slug, input, global, async (tx, tenantId, at) => {
    const record = (await tx.guard.read()) ?? armedRecord(tenantId, at);
    if (record.state === 'tripped') {
      throw conflict(
        `the deprovision guard of tenant "${slug}" is holding events: release them first (scimd guard release ${slug}); a reset never drops held events`,
      );
    }
    await tx.guard.write({ ...record, state: 'armed', since: at, heldSeq: null, countFrom: at });
    await tx.guard.forgetDeprovisions(at);
    return { action: 'reset', detail: {} };
  });
}

/** A settings change: a value sets the tenant's own, null returns to the global one. */
export type GuardSettingsChange = { readonly [K in keyof GuardSettings]?: GuardSettings[K] | null };

const LIMITS = {
  percent: { min: 0.1, max: 100, form: 'a number from 0.1 to 100' },
  minimum: { min: 1, max: 1_000_000, form: 'a whole number from 1 to 1000000' },
  windowMinutes: { min: 1, max: 10_080, form: 'a whole number of minutes from 1 to 10080 (a week)' },
} as const;

/** Throws `invalidValue` naming the first bad value; checks every field before anything changes. */
export function checkGuardSettingsChange(change: GuardSettingsChange): void {
  const known = new Set(['enabled', 'percent', 'minimum', 'windowMinutes']);
  for (const key of Object.keys(change)) {
    if (!known.has(key))
      throw invalidValue(`unknown guard setting "${key}": use enabled, percent, minimum or windowMinutes`);
  }
  if (change.enabled !== undefined && change.enabled !== null && typeof change.enabled !== 'boolean') {
    throw invalidValue('enabled must be true, false or null');
  }
  for (const key of ['percent', 'minimum', 'windowMinutes'] as const) {
    const value = change[key];
    if (value === undefined || value === null) continue;
    const limit = LIMITS[key];
    const whole = key !== 'percent';
    if (
      typeof value !== 'number' ||
      !Number.isFinite(value) ||
      value < limit.min ||
      value > limit.max ||
      (whole && !Number.isInteger(value))
    ) {
      throw invalidValue(`${key} must be ${limit.form} (or null for the global value), not ${JSON.stringify(value)}`);
    }
  }
}

export async function configureGuard(
  store: Store,
  slug: string,
  change: GuardSettingsChange,
  input: GuardDecisionInput,
  global: GuardSettings = DEFAULT_GUARD_SETTINGS,
): Promise<GuardView> {
  checkGuardSettingsChange(change);
  return decideGuard(store, slug, input, global, async (tx, tenantId, at) => {
    const record = (await tx.guard.read()) ?? armedRecord(tenantId, at);
    const overrides: Record<string, unknown> = { ...record.overrides };
    for (const [key, value] of Object.entries(change)) {
      if (value === null) delete overrides[key];
      else if (value !== undefined) overrides[key] = value;
    }
    await tx.guard.write({ ...record, overrides: overrides as GuardOverrides });
    return { action: 'configure', detail: { before: record.overrides, after: overrides } };
  });
}
