/**
 * Reading the access history (docs/history.md), shared by `scimd history` / `scimd access`, the
 * admin API and the console: a user's timeline (also after the user was deleted, found by a
 * userName it had) and who was active with which roles and groups at a moment. Bad times and
 * filters are `invalidValue` (400); an unknown tenant or user is `notFound` (404).
 */
import { invalidValue, notFound } from '../scim/errors.js';
import type { AccessState, AccessTimelineEntry } from '../store/history-port.js';
import type { Store } from '../store/store.js';
import { getTenant } from '../tenancy/tenants.js';

export type { AccessState, AccessTimelineEntry } from '../store/history-port.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A moment as auditors write it: an ISO 8601 date-time with `Z` or an offset
 * (`2026-01-31T17:00:00Z`, `2026-01-31T18:00+01:00`), or a date, meaning the end of that day
 * in UTC (`2026-01-31` → `2026-01-31T23:59:59.999Z`). Returns the normalised ISO string.
 */
export function parseAsOf(text: string | undefined, name = 'asOf'): string {
  // A `+01:00` offset typed into a query string arrives as ` 01:00` (`+` decodes to a space).
  const value = (text?.trim() ?? '').replace(/(T[\d:.]+) (\d{2}:\d{2})$/, '$1+$2');
  if (value === '')
    throw invalidValue(
      `${name} is required: an ISO 8601 time such as 2026-01-31T23:59:59Z or a date such as 2026-01-31`,
    );
  const ms = DATE.test(value)
    ? Date.parse(`${value}T23:59:59.999Z`)
    : DATE_TIME.test(value)
      ? Date.parse(value)
      : Number.NaN;
  // Date.parse rolls 2026-02-30 over to March: a round trip of the date part catches it.
  const day = value.slice(0, 10);
  if (Number.isNaN(ms) || (DATE.test(value) && new Date(ms).toISOString().slice(0, 10) !== day)) {
    throw invalidValue(
      `${name} ${JSON.stringify(value)} is not a time: use ISO 8601 with a time zone, e.g. 2026-01-31T23:59:59Z, or a date such as 2026-01-31 (the end of that day, UTC)`,
    );
  }
  return new Date(ms).toISOString();
}

const MAX_FILTER_LENGTH = 256;

/** A role or group filter: absent, or 1 to 256 characters without control characters. */
export function parseAccessFilter(text: string | undefined, name: 'role' | 'group'): string | undefined {
  if (text === undefined) return undefined;
  if (text.trim() === '' || text.length > MAX_FILTER_LENGTH || /[\u0000-\u001f\u007f]/.test(text)) {
    throw invalidValue(
      `${name} filter ${JSON.stringify(text.slice(0, 64))} is not valid: give a ${name === 'role' ? 'role value' : 'group id or displayName'} of 1 to ${MAX_FILTER_LENGTH} characters`,
    );
  }
  return text;
}

export interface UserTimeline {
  /** The user ids the request matched: the id itself, or every user that had the userName. */
  readonly userIds: readonly string[];
  /** Oldest first; each entry names its user. */
  readonly entries: readonly AccessTimelineEntry[];
}

/** The timeline of the user with this id, or of every user that ever had this userName. */
export async function readUserTimeline(store: Store, slug: string, idOrUserName: string): Promise<UserTimeline> {
  const tenant = await getTenant(store, slug);
  if (idOrUserName.trim() === '' || idOrUserName.length > 1024) {
    throw invalidValue('give a user id or userName of 1 to 1024 characters');
  }
  const byId = await store.history.timeline(tenant.id, idOrUserName);
  if (byId.length > 0) return { userIds: [idOrUserName], entries: byId };
  const ids = await store.history.findUserIds(tenant.id, idOrUserName);
  if (ids.length === 0) {
    throw notFound(`no access history for user ${JSON.stringify(idOrUserName)} in tenant ${JSON.stringify(slug)}`);
  }
  const timelines = await Promise.all(ids.map((id) => store.history.timeline(tenant.id, id)));
  const entries = timelines.flat().sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  return { userIds: ids, entries };
}

export interface AccessReportRequest {
  readonly asOf?: string | undefined;
  readonly role?: string | undefined;
  readonly group?: string | undefined;
  /** Also users that existed but were inactive (the property test compares every user). */
  readonly includeInactive?: boolean;
  /** Start after this user id: the report from there on, in id order (the console's next page). */
  readonly afterUserId?: string | undefined;
}

export interface AccessReport {
  /** The normalised moment. */
  readonly asOf: string;
  readonly role: string | undefined;
  readonly group: string | undefined;
  /** Every matching user, ordered by id, read page by page as the caller consumes them. */
  readonly users: AsyncIterable<AccessState>;
}

const PAGE = 1000;

/**
 * Who was active at `asOf`, with which roles and groups. Validates everything (and finds the
 * tenant) before returning, so a caller can answer an error before it starts streaming.
 */
export async function openAccessReport(
  store: Store,
  slug: string,
  request: AccessReportRequest,
): Promise<AccessReport> {
  const asOf = parseAsOf(request.asOf);
  const role = parseAccessFilter(request.role, 'role');
  const group = parseAccessFilter(request.group, 'group');
  const tenant = await getTenant(store, slug);
  const query = {
    asOf,
    ...(role === undefined ? {} : { role }),
    ...(group === undefined ? {} : { group }),
    ...(request.includeInactive ? { includeInactive: true } : {}),
  };
  async function* users(): AsyncGenerator<AccessState> {
    let after = request.afterUserId;
    for (;;) {
      const page = await store.history.accessAt(tenant.id, {
        ...query,
        limit: PAGE,
        ...(after === undefined ? {} : { afterUserId: after }),
      });
      yield* page;
      if (page.length < PAGE) return;
      after = page[page.length - 1]!.userId;
    }
  }
  return { asOf, role, group, users: { [Symbol.asyncIterator]: users } };
}

/** The report in memory, its first `limit` users (the console's page) or all of them (tests, the CLI's table). */
export async function collectAccess(report: AccessReport, limit = Number.POSITIVE_INFINITY): Promise<AccessState[]> {
  const all: AccessState[] = [];
  if (limit <= 0) return all;
  for await (const user of report.users) {
    all.push(user);
    if (all.length >= limit) break;
  }
  return all;
}

/** The report as a JSON document, streamed: `{"asOf", "role", "group", "users": [...]}`. */
export async function* accessJson(report: AccessReport): AsyncGenerator<string> {
  yield `{"asOf":${JSON.stringify(report.asOf)},"role":${JSON.stringify(report.role ?? null)},"group":${JSON.stringify(report.group ?? null)},"users":[`;
  let first = true;
  for await (const user of report.users) {
    yield `${first ? '' : ','}${JSON.stringify(user)}`;
    first = false;
  }
  yield ']}\n';
}
