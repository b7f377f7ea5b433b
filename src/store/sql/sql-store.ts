/**
 * The SQL Store, dialect-independent: Kysely statements plus the fragments, codec, lifecycle and
 * error mapping of a `SqlDialect`. Every statement on tenant data is built from a `SqlScope` that closes over
 * the tenant id, and every write runs inside `TenantStore.transaction`.
 */
import { type Kysely, sql } from 'kysely';
import type { ResourceTypeName } from '../../scim/schema/types.js';
import type { OutboxWriter } from '../events-port.js';
import { type CoreTenantWriter, captureWhenHeld, withOutbox } from '../outbox-writer.js';
import type {
  ResourceQuery,
  Store,
  StoreCapabilities,
  TenantReader,
  TenantRecord,
  TenantStore,
  TenantWriter,
} from '../store.js';
import { createConsoleRepositories } from './console.js';
import { type SqlDialect, servesOneConnection } from './dialect.js';
import { createEndpointRepository } from './event-endpoints.js';
import { appendEvents, appendFinalEvent, appendOneEvent, listEvents, membersAmong, pruneEvents } from './events.js';
import { backfillFoldedBodies } from './folded-body.js';
import { createGroupCommit, type GroupCommit } from './group-commit.js';
import { createGuardRepository, createGuardWriter } from './guard.js';
import { createHealthRepository, swapHealthState } from './health.js';
import { flushingFirst, HeldWrite } from './held-write.js';
import { createHistoryRepository } from './history.js';
import {
  applyDeltas,
  createHistoryProjector,
  encodeAccessDelta,
  type HistoryProjector,
  projectWithin,
} from './history-projector.js';
import { addMembers, clearMembers, listGroupsOfEach, listMembers, removeMembers } from './members.js';
import { migrateToLatest } from './migrations/migrate.js';
import { queryResources } from './query.js';
import { createReadCache } from './read-cache.js';
import { createRequestLogRepository } from './request-log.js';
import {
  deleteResource,
  findTypes,
  getResource,
  getResourceWithGroups,
  insertResource,
  updateResource,
} from './resources.js';
import { createRoleRepository, readRoleCatalogue } from './roles.js';
import type { SqlScope } from './scope.js';
import type { Database } from './tables.js';
import { template } from './template.js';
import { createTenantRepository } from './tenants.js';
import { createTokenRepository } from './tokens.js';

interface SqlStoreOptions {
  readonly db: Kysely<Database>;
  readonly dialect: SqlDialect;
  readonly capabilities: StoreCapabilities;
  /** Project the access history after writes and at start-up (default true; history-projector.ts). */
  readonly projectHistoryInBackground?: boolean;
}

function createReader(scope: SqlScope): TenantReader {
  return {
    tenantId: scope.tenantId,
    getResource: (type, id) => getResource(scope, type, id),
    query: (type, query) => queryResources(scope, type, query),
    listMembers: (groupId) => listMembers(scope, groupId),
    listGroupsOf: async (memberId) => (await listGroupsOfEach(scope, [memberId])).get(memberId)!,
    listGroupsOfEach: (memberIds) => listGroupsOfEach(scope, memberIds),
    findTypes: (ids) => findTypes(scope, ids),
    getResourceWithGroups: (type, id) => getResourceWithGroups(scope, type, id),
  };
}

/** The writer methods that deal with a held write themselves (held-write.ts). */
const HOLD_AWARE = new Set([
  'insertResource',
  'replaceResource',
  'touchResource',
  'appendEvents',
  'appendFinal',
  'takeMemberChanges',
]);
const GUARD_WITHOUT_STATEMENT = new Set(['deliveryHold']);

/**
 * A unit of work's writer; `finish` runs what it still holds (held-write.ts) and must be awaited
 * before the unit ends: it answers with the outcome of the unit's last statement when that went
 * unanswered (unanswered.ts). `storedDelta`: the unit stored an access history delta for the
 * projector.
 */
function createWriter(
  scope: SqlScope,
  storedDelta: () => void,
): { writer: TenantWriter; finish(): Promise<{ readonly outcome: Promise<void> } | undefined> } {
  // Resources created by this unit of work that no membership added since can belong to no
  // group: a create's response needs no query for its groups (one round trip on PostgreSQL).
  const fresh = new Set<string>();
  // Where a statement is a round trip (PostgreSQL), a resource write waits to go with its event.
  const held = scope.dialect.fragments.dataModifyingCtes ? new HeldWrite(scope) : undefined;
  const reader = createReader(scope);
  const groupsOfEach: TenantReader['listGroupsOfEach'] = async (memberIds) =>
    memberIds.every((id) => fresh.has(id))
      ? new Map(memberIds.map((id) => [id, []]))
      : listGroupsOfEach(scope, memberIds);
  let hold: number | null | undefined;
  const guard = createGuardWriter(scope, () => hold);
  const core: CoreTenantWriter = {
    ...reader,
    getResource: async (type, id) => {
      const found = await getResource(scope, type, id);
      return held ? held.noteRead(found) : found;
    },
    getResourceWithGroups: async (type, id) => {
      const found = await getResourceWithGroups(scope, type, id);
      held?.noteRead(found?.resource);
      return found;
    },
    listGroupsOf: async (memberId) => (await groupsOfEach([memberId])).get(memberId)!,
    listGroupsOfEach: groupsOfEach,
    insertResource: async (resource) => {
      const stored = held ? await held.insert(resource) : await insertResource(scope, resource);
      fresh.add(stored.id);
      return stored;
    },
    replaceResource: (type, id, body, now) =>
      held ? held.update(type, id, body, now) : updateResource(scope, type, id, body, now),
    touchResource: (type, id, now) =>
      held ? held.update(type, id, undefined, now) : updateResource(scope, type, id, undefined, now),
    deleteResource: (type, id) => {
      held?.noteDeleted(id);
      return deleteResource(scope, type, id);
    },
    addMembers: (groupId, members) => {
      fresh.clear();
      return addMembers(scope, groupId, members);
    },
    removeMembers: (groupId, memberIds) => removeMembers(scope, groupId, memberIds),
    clearMembers: (groupId) => clearMembers(scope, groupId),
    swapHealthState: (expected, next, since) => swapHealthState(scope, expected, next, since),
    appendAccessHistory: async (delta) => {
      // After the tenant's earlier writes, whose deltas may still wait for the projector.
      await projectWithin(scope.db, scope.dialect, scope.tenantId);
      // Recorded at once: the projector's own statements, for a batch of one.
      await applyDeltas(scope.db, scope.dialect, scope.tenantId, [delta]);
    },
    guard: held ? flushingFirst(guard, held, GUARD_WITHOUT_STATEMENT) : guard,
  };
  const onHold = (heldSeq: number | null) => {
    hold = heldSeq;
  };
  const append: OutboxWriter['appendEvents'] = async (events, access) => {
    if (access !== undefined && events.length > 0) storedDelta();
    const delta = access === undefined ? null : encodeAccessDelta(access);
    // The held resource write and its one event: one statement.
    const write = events.length === 1 ? held?.take() : undefined;
    if (write !== undefined) return [await appendOneEvent(scope, events[0]!, onHold, delta, write)];
    await held?.flush();
    return appendEvents(scope, events, onHold, delta);
  };
  const writer = withOutbox(core, {
    appendEvents: append,
    membersAmong: (groupId, ids) => membersAmong(scope, groupId, ids),
    ...(held && {
      // A write's one event is held as the unit's possible last statement (held-write.ts).
      appendFinal: async (events, access, capture) => {
        const [event] = events;
        if (event === undefined || events.length > 1) {
          const [first] = await append(events, access);
          return captureWhenHeld(guard, first, capture);
        }
        if (access !== undefined) storedDelta();
        const delta = access === undefined ? null : encodeAccessDelta(access);
        const write = held.take();
        held.holdFinal({
          // The guard itself, not its flushing wrapper: this runs inside the flush of a final append.
          run: async () => captureWhenHeld(guard, await appendOneEvent(scope, event, onHold, delta, write), capture),
          send: () => appendFinalEvent(scope, event, delta, write, capture),
        });
      },
    }),
  });
  if (held === undefined) return { writer, finish: () => Promise.resolve(undefined) };
  return { writer: flushingFirst(writer, held, HOLD_AWARE), finish: () => held.finish() };
}

const tenantExists = template<'id', { id: string }>((db, slot) =>
  db.selectFrom('tenants').select('id').where('id', '=', slot('id')),
);

/**
 * The unit of work itself, on the connection of its transaction (`checked`: the tenant is known
 * to exist). `later` receives the outcome of its last statement when that went unanswered.
 */
async function runUnit<T>(
  conn: Kysely<Database>,
  dialect: SqlDialect,
  tenantId: string,
  fn: (tx: TenantWriter) => Promise<T>,
  unit: { readonly checked: boolean; later(outcome: Promise<void>): void },
  storedDelta: () => void,
): Promise<T> {
  if (!unit.checked) {
    const tenant = await tenantExists.first(conn, { id: tenantId });
    if (!tenant) throw new Error(`tenant ${JSON.stringify(tenantId)} does not exist`);
  }
  const { writer, finish } = createWriter({ db: conn, dialect, tenantId }, storedDelta);
  const result = await fn(writer);
  const last = await finish();
  if (last !== undefined) unit.later(last.outcome);
  return result;
}

/**
 * Runs `fn` as one unit of work: on one connection, after BEGIN (the dialect's, which serialises
 * the tenant's writers), answered after COMMIT, or rolled back and rethrown when `fn` throws.
 * Units of one lane that queue up meanwhile share a transaction (group-commit.ts): the lane is
 * the tenant where each connection of a pool can hold a transaction, and the whole process where
 * one connection serves every statement.
 */
function runTransaction<T>(
  groupCommit: GroupCommit<boolean>,
  oneConnection: boolean,
  dialect: SqlDialect,
  tenantId: string,
  fn: (tx: TenantWriter) => Promise<T>,
  projector: HistoryProjector,
): Promise<T> {
  let stored = false;
  const unit = groupCommit
    .run(oneConnection ? '' : tenantId, (conn, checked, later) =>
      runUnit(conn, dialect, tenantId, fn, { checked, later }, () => {
        stored = true;
      }),
    )
    .catch((error: unknown) => {
      throw dialect.lifecycle.beginError?.(error, tenantId) ?? error;
    });
  // Settled after COMMIT: the projector then sees the write's delta.
  return unit.finally(() => {
    if (stored) projector.schedule(tenantId);
  });
}

/** What every tenant handle of one store shares. */
interface HandleShared {
  readonly groupCommit: GroupCommit<boolean>;
  readonly oneConnection: boolean;
  readonly projector: HistoryProjector;
}

/**
 * A tenant's handle (`Store.forTenant`), made anew for every request: it holds the tenant id and
 * what the store shares, its methods live on the prototype, and it is itself the `SqlScope` of
 * its reads. No closures per tenant and nothing kept per tenant (a handle used to be an object
 * of eight closures, 1.1 KB, kept for up to 10,000 tenants: docs/benchmarks.md, "What grows
 * with tenants"). Its methods are not bound: call them on the handle (`store.query(…)`), as
 * every caller does, not detached.
 */
class SqlTenantStore implements TenantStore, SqlScope {
  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: SqlDialect,
    readonly tenantId: string,
    private readonly shared: HandleShared,
  ) {}
  getResource(type: ResourceTypeName, id: string) {
    return getResource(this, type, id);
  }
  query(type: ResourceTypeName, query: ResourceQuery) {
    return queryResources(this, type, query);
  }
  listMembers(groupId: string) {
    return listMembers(this, groupId);
  }
  async listGroupsOf(memberId: string) {
    return (await listGroupsOfEach(this, [memberId])).get(memberId)!;
  }
  listGroupsOfEach(memberIds: readonly string[]) {
    return listGroupsOfEach(this, memberIds);
  }
  findTypes(ids: readonly string[]) {
    return findTypes(this, ids);
  }
  getResourceWithGroups(type: ResourceTypeName, id: string) {
    return getResourceWithGroups(this, type, id);
  }
  transaction<T>(fn: (tx: TenantWriter) => Promise<T>): Promise<T> {
    const { groupCommit, oneConnection, projector } = this.shared;
    return runTransaction(groupCommit, oneConnection, this.dialect, this.tenantId, fn, projector);
  }
  roleCatalogue() {
    return readRoleCatalogue(this.db, this.dialect, this.tenantId);
  }
}

/** A Store over an open Kysely instance; `close()` destroys it. Does not migrate. */
export function createSqlStore({
  db,
  dialect,
  capabilities,
  projectHistoryInBackground = true,
}: SqlStoreOptions): Store {
  // On one connection a transaction serialises every writer of the process, whatever the tenant:
  // its lane is the process, and `begin` checks no tenant (each unit checks its own).
  const oneConnection = servesOneConnection(db);
  const groupCommit = createGroupCommit<boolean>(db, (conn, lane) => dialect.lifecycle.begin(conn, lane), {
    releaseEachUnit: oneConnection,
  });
  // id → tenant, read by every request's authentication: the token repository fills it with the
  // tenant it reads along with a token, the tenant repository clears it on every change.
  const tenantRows = createReadCache<TenantRecord>();
  const tokens = createTokenRepository(db, dialect, tenantRows);
  const projector = createHistoryProjector(db, dialect, {
    transaction: oneConnection
      ? (work) => groupCommit.run('', (conn) => work(conn))
      : (work) => db.transaction().execute(work),
    background: projectHistoryInBackground,
  });
  const shared: HandleShared = { groupCommit, oneConnection, projector };
  return {
    capabilities,
    tenants: createTenantRepository(db, dialect, tenantRows),
    tokens,
    events: {
      list: (tenantId, after, limit) => listEvents(db, dialect, tenantId, after, limit),
      prune: (before) => pruneEvents(db, dialect, before, projector.catchUp),
    },
    endpoints: createEndpointRepository(db, dialect),
    requestLog: createRequestLogRepository(db, dialect),
    health: createHealthRepository(db),
    guard: createGuardRepository(db),
    roles: createRoleRepository(db, dialect),
    console: createConsoleRepositories(db, dialect),
    history: createHistoryRepository(db, dialect, projector.catchUp),
    forTenant: (tenantId) => new SqlTenantStore(db, dialect, tenantId, shared),
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await projector.close();
      await tokens.flushTouches();
      await db.destroy();
    },
  };
}

/** Applies pending migrations and the dialect's preparation, then returns the store. */
export async function openSqlStore(options: SqlStoreOptions): Promise<Store> {
  try {
    await migrateToLatest(options.db, options.dialect);
    await options.dialect.lifecycle.prepare(options.db);
    await backfillFoldedBodies(options.db, options.dialect);
  } catch (error) {
    await options.db.destroy();
    throw error;
  }
  return createSqlStore(options);
}
