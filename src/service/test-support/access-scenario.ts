/**
 * A small provisioning story driven through the service (`dispatch`), each step at its own
 * time and with its own request id, for the access history's CLI, admin API and console tests
 * and for the run shown in docs/history.md. Never shipped.
 */
import { BUILT_IN_REGISTRY } from '../../scim/schema/registry.js';
import { URN } from '../../scim/schema/urns.js';
import type { Store } from '../../store/store.js';
import { newRequestNotes, type RequestContext } from '../context.js';
import { type DispatchRequest, dispatch } from '../dispatch.js';

const silent = { info() {}, warn() {}, error() {}, debug() {} };
const patch = (...Operations: unknown[]) => ({ schemas: [URN.patchOp], Operations });

/** The moments of the story, for as-of questions. */
export const SCENARIO_TIMES = {
  annCreated: '2026-01-05T09:00:00.000Z',
  bobCreated: '2026-01-05T09:05:00.000Z',
  salesCreated: '2026-01-06T10:00:00.000Z',
  annPromoted: '2026-02-02T08:30:00.000Z',
  bobDeactivated: '2026-03-01T17:00:00.000Z',
  annLeftSales: '2026-03-15T12:00:00.000Z',
  bobDeleted: '2026-04-01T09:00:00.000Z',
} as const;

export interface Scenario {
  readonly ann: string;
  readonly bob: string;
  readonly sales: string;
}

/** Runs the story in the tenant with this id; returns the ids it created. */
export async function writeAccessScenario(store: Store, tenantId: string): Promise<Scenario> {
  let n = 0;
  const run = async (time: string, request: DispatchRequest) => {
    const ctx: RequestContext = {
      tenantId,
      store: store.forTenant(tenantId),
      now: new Date(time),
      requestId: `req-${String(++n).padStart(3, '0')}`,
      log: silent,
      baseUrl: 'https://scim.example/scim/v2',
      registry: BUILT_IN_REGISTRY,
      maxResults: 100,
      notes: newRequestNotes(),
    };
    const result = await dispatch(ctx, request);
    return String((result.body as Record<string, unknown> | undefined)?.['id'] ?? '');
  };
  const T = SCENARIO_TIMES;
  const ann = await run(T.annCreated, {
    resourceType: 'User',
    method: 'POST',
    body: {
      schemas: [URN.user],
      userName: 'ann@example.com',
      displayName: 'Ann Lee',
      active: true,
      roles: [{ value: 'Reader', display: 'Read only' }],
    },
  });
  const bob = await run(T.bobCreated, {
    resourceType: 'User',
    method: 'POST',
    body: { schemas: [URN.user], userName: 'bob@example.com', active: true, roles: [{ value: '=Admin' }] },
  });
  const sales = await run(T.salesCreated, {
    resourceType: 'Group',
    method: 'POST',
    body: { schemas: [URN.group], displayName: 'Sales', members: [{ value: ann }, { value: bob }] },
  });
  await run(T.annPromoted, {
    resourceType: 'User',
    method: 'PATCH',
    id: ann,
    body: patch(
      { op: 'add', path: 'roles', value: [{ value: 'Admin', display: 'Administrator' }] },
      { op: 'replace', path: 'title', value: 'Sales lead' },
    ),
  });
  await run(T.bobDeactivated, {
    resourceType: 'User',
    method: 'PATCH',
    id: bob,
    body: patch({ op: 'replace', path: 'active', value: false }),
  });
  await run(T.annLeftSales, {
    resourceType: 'Group',
    method: 'PATCH',
    id: sales,
    body: patch({ op: 'remove', path: `members[value eq "${ann}"]` }),
  });
  await run(T.bobDeleted, { resourceType: 'User', method: 'DELETE', id: bob });
  return { ann, bob, sales };
}
