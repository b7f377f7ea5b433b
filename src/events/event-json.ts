/**
 * The one wire shape of a change event, shared by the cursor feed, webhook payloads and
 * in-process consumers (docs/events.md). Fields may be added, never removed or renamed.
 */
import type { ChangeEvent } from '../store/events-port.js';
import type { MemberRef as EventMember } from '../store/shapes.js';

export interface EventJson {
  /** Unique and stable across redeliveries and replays: `evt_<tenant id>_<seq>` (the webhook-id). */
  readonly id: string;
  /** e.g. `user.deactivated` (`EVENT_TYPES`). */
  readonly type: string;
  /** When the change happened (ISO 8601, UTC). */
  readonly timestamp: string;
  /** The tenant (customer); the slug is what its SCIM URL and the CLI use. */
  readonly tenant: { readonly id: string; readonly slug: string };
  /** Per tenant: 1, 2, 3… in commit order, gap-free. */
  readonly seq: number;
  /** Pass as `after` to read the events that follow this one. */
  readonly cursor: string;
  /** The X-Request-Id of the SCIM request that made the change (also in the provisioning log). */
  readonly requestId: string | null;
  readonly data: {
    readonly resourceType: string;
    readonly id: string;
    readonly changedAttributes: readonly string[];
    /** The resource after the change (for deletions: its last state). No members or groups. */
    readonly resource: Record<string, unknown>;
    /** Member events only. */
    readonly member?: EventMember;
  };
}

export function eventId(tenantId: string, seq: number): string {
  return `evt_${tenantId}_${seq}`;
}

export function toEventJson(event: ChangeEvent, slug: string): EventJson {
  return {
    id: eventId(event.tenantId, event.seq),
    type: event.type,
    timestamp: event.time,
    tenant: { id: event.tenantId, slug },
    seq: event.seq,
    cursor: String(event.seq),
    requestId: event.requestId,
    data: {
      resourceType: event.resourceType,
      id: event.resourceId,
      changedAttributes: event.changedAttributes,
      resource: event.snapshot,
      ...(event.member === null ? {} : { member: event.member }),
    },
  };
}
