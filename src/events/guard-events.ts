/**
 * The deprovision guard's two events (docs/guard.md, docs/events.md). Both are about the tenant
 * (`resourceType: "Tenant"`): `tenant.guard_tripped` is appended before the events of the
 * change that tripped it, and delivery of the tenant's events stops right after it;
 * `tenant.guard_released` is appended when an operator releases the hold, after every held
 * event, so a receiver sees where the held run ends.
 */
import type { NewChangeEvent } from '../store/events-port.js';

export interface GuardTrip {
  readonly tenantId: string;
  readonly time: string;
  readonly requestId: string | null;
  /** Users deprovisioned in the window, and the window's denominator. */
  readonly deprovisioned: number;
  readonly base: number;
  readonly percent: number;
  readonly minimum: number;
  readonly windowMinutes: number;
}

export function guardTrippedEvent(trip: GuardTrip): NewChangeEvent {
  return {
    type: 'tenant.guard_tripped',
    resourceType: 'Tenant',
    resourceId: trip.tenantId,
    changedAttributes: ['guard'],
    snapshot: {
      id: trip.tenantId,
      guard: 'tripped',
      deprovisioned: trip.deprovisioned,
      activeUsers: trip.base,
      thresholdPercent: trip.percent,
      thresholdMinimum: trip.minimum,
      windowMinutes: trip.windowMinutes,
    },
    member: null,
    time: trip.time,
    requestId: trip.requestId,
  };
}

export interface GuardRelease {
  readonly tenantId: string;
  readonly time: string;
  /** The seq of the hold's `tenant.guard_tripped` event: every event after it was held. */
  readonly heldFrom: number;
  readonly by: string;
}

export function guardReleasedEvent(release: GuardRelease): NewChangeEvent {
  return {
    type: 'tenant.guard_released',
    resourceType: 'Tenant',
    resourceId: release.tenantId,
    changedAttributes: ['guard'],
    snapshot: {
      id: release.tenantId,
      guard: 'released',
      heldFrom: release.heldFrom,
      releasedBy: release.by,
    },
    member: null,
    time: release.time,
    requestId: null,
  };
}
