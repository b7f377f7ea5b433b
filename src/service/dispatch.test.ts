import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScimError } from '../scim/errors.js';
import { BUILT_IN_REGISTRY } from '../scim/schema/registry.js';
import { URN } from '../scim/schema/urns.js';
import { createMemoryStore } from '../store/memory/store.js';
import type { Store } from '../store/store.js';
import { tenantRecord } from '../store/test-support/fixtures.js';
import { newRequestNotes, type RequestContext } from './context.js';
import { DEFAULT_DISPATCH_SETTINGS, type DispatchRequest, type DispatchResult, dispatch } from './dispatch.js';

const BASE = 'https://scim.example/scim/v2';
const silent = { info() {}, warn() {}, error() {}, debug() {} };

async function openTenant(): Promise<{ store: Store; ctx: RequestContext }> {
  const store = createMemoryStore();
  await store.tenants.create(tenantRecord('tenant-a', 'a'));
  const ctx: RequestContext = {
    tenantId: 'tenant-a',
    store: store.forTenant('tenant-a'),
    now: new Date('2026-01-15T10:00:00.000Z'),
    requestId: 'req-1',
    log: silent,
    baseUrl: BASE,
    registry: BUILT_IN_REGISTRY,
    maxResults: 100,
    notes: newRequestNotes(),
  };
  return { store, ctx };
}

const patchOp = (...Operations: unknown[]) => ({ schemas: [URN.patchOp], Operations });

async function create(ctx: RequestContext, request: Omit<DispatchRequest, 'method'>): Promise<DispatchResult> {
  return dispatch(ctx, { ...request, method: 'POST' });
}

function bodyOf(result: DispatchResult): Record<string, unknown> {
  assert.ok(result.body !== undefined, 'expected a body');
  return result.body as Record<string, unknown>;
}

async function rejects(promise: Promise<unknown>, status: number, scimType: string | undefined, detail: string) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ScimError);
    assert.deepEqual([error.status, error.scimType, error.detail], [status, scimType, detail]);
    return true;
  });
}

describe('dispatch', () => {
  it('creates with 201, ETag and Location, and the body the projection asks for', async () => {
    const { ctx } = await openTenant();
    const result = await create(ctx, {
      resourceType: 'User',
      body: { schemas: [URN.user], userName: 'ann', displayName: 'Ann' },
      query: { attributes: 'userName' },
    });
    const id = String(bodyOf(result).id);
    assert.equal(result.status, 201);
    assert.deepEqual(result.headers, { ETag: 'W/"1"', Location: `${BASE}/Users/${id}` });
    assert.deepEqual(result.target, { id, location: `${BASE}/Users/${id}`, etag: 'W/"1"' });
    assert.deepEqual(Object.keys(bodyOf(result)).sort(), ['id', 'schemas', 'userName']);
  });

  it('reads one resource with 200 and its ETag, and answers 304 when If-None-Match matches', async () => {
    const { ctx } = await openTenant();
    const id = (await create(ctx, { resourceType: 'User', body: { userName: 'ann' } })).target!.id;
    const read = await dispatch(ctx, { resourceType: 'User', method: 'GET', id });
    assert.deepEqual([read.status, read.headers, bodyOf(read).userName], [200, { ETag: 'W/"1"' }, 'ann']);
    const same = await dispatch(ctx, { resourceType: 'User', method: 'GET', id, ifNoneMatch: 'W/"1"' });
    assert.deepEqual([same.status, same.headers, same.body], [304, { ETag: 'W/"1"' }, undefined]);
    const other = await dispatch(ctx, { resourceType: 'User', method: 'GET', id, ifNoneMatch: 'W/"2"' });
    assert.equal(other.status, 200);
    const star = await dispatch(ctx, { resourceType: 'User', method: 'GET', id, ifNoneMatch: '*' });
    assert.equal(star.status, 304);
  });

  it('answers a group PATCH with 204 and the new ETag unless attributes ask for a body', async () => {
    const { ctx } = await openTenant();
    const user = (await create(ctx, { resourceType: 'User', body: { userName: 'ann' } })).target!.id;
    const id = (await create(ctx, { resourceType: 'Group', body: { displayName: 'Team' } })).target!.id;
    const add = patchOp({ op: 'add', path: 'members', value: [{ value: user }] });
    const quiet = await dispatch(ctx, { resourceType: 'Group', method: 'PATCH', id, body: add });
    assert.deepEqual([quiet.status, quiet.headers, quiet.body], [204, { ETag: 'W/"2"' }, undefined]);
    const rename = patchOp({ op: 'replace', path: 'displayName', value: 'Crew' });
    const loud = await dispatch(ctx, {
      resourceType: 'Group',
      method: 'PATCH',
      id,
      body: rename,
      query: { attributes: 'displayName,members' },
    });
    assert.equal(loud.status, 200);
    assert.deepEqual(loud.headers, { ETag: 'W/"3"' });
    assert.deepEqual(
      [bodyOf(loud).displayName, bodyOf(loud).members],
      ['Crew', [{ value: user, $ref: `${BASE}/Users/${user}`, display: 'ann', type: 'User' }]],
    );
    const excluded = await dispatch(ctx, {
      resourceType: 'Group',
      method: 'PATCH',
      id,
      body: patchOp({ op: 'replace', path: 'displayName', value: 'Band' }),
      query: { excludedAttributes: 'members' },
    });
    assert.deepEqual(
      [excluded.status, bodyOf(excluded).displayName, bodyOf(excluded).members],
      [200, 'Band', undefined],
    );
  });

  it('answers a user PATCH with 200 and the resource', async () => {
    const { ctx } = await openTenant();
    const id = (await create(ctx, { resourceType: 'User', body: { userName: 'ann' } })).target!.id;
    const result = await dispatch(ctx, {
      resourceType: 'User',
      method: 'PATCH',
      id,
      body: patchOp({ op: 'replace', path: 'title', value: 'Lead' }),
    });
    assert.deepEqual([result.status, result.headers, bodyOf(result).title], [200, { ETag: 'W/"2"' }, 'Lead']);
  });

  it('keeps a group’s members on a PUT whose body has none, and replaces them when it has', async () => {
    const { ctx } = await openTenant();
    const ann = (await create(ctx, { resourceType: 'User', body: { userName: 'ann' } })).target!.id;
    const bob = (await create(ctx, { resourceType: 'User', body: { userName: 'bob' } })).target!.id;
    const id = (await create(ctx, { resourceType: 'Group', body: { displayName: 'Team', members: [{ value: ann }] } }))
      .target!.id;
    const kept = await dispatch(ctx, { resourceType: 'Group', method: 'PUT', id, body: { displayName: 'Crew' } });
    const values = (r: DispatchResult) => (bodyOf(r).members as { value: string }[]).map((m) => m.value);
    assert.deepEqual([kept.status, bodyOf(kept).displayName, values(kept)], [200, 'Crew', [ann]]);
    const replaced = await dispatch(ctx, {
      resourceType: 'Group',
      method: 'PUT',
      id,
      body: { displayName: 'Crew', members: [{ value: bob }] },
    });
    assert.deepEqual(values(replaced), [bob]);
    const emptied = await dispatch(ctx, {
      resourceType: 'Group',
      method: 'PUT',
      id,
      body: { displayName: 'Crew', members: [] },
    });
    assert.equal(bodyOf(emptied).members, undefined);
  });

  it('checks If-Match on PUT, PATCH and DELETE, and DELETE answers 204 with no body', async () => {
    const { ctx } = await openTenant();
    const id = (await create(ctx, { resourceType: 'User', body: { userName: 'ann' } })).target!.id;
    const stale = 'If-Match W/"9" does not match the current version W/"1"; fetch the resource again.';
    await rejects(
      dispatch(ctx, { resourceType: 'User', method: 'PUT', id, body: { userName: 'ann' }, ifMatch: 'W/"9"' }),
      412,
      undefined,
      stale,
    );
    await rejects(
      dispatch(ctx, {
        resourceType: 'User',
        method: 'PATCH',
        id,
        body: patchOp({ op: 'replace', path: 'title', value: 'x' }),
        ifMatch: 'W/"9"',
      }),
      412,
      undefined,
      stale,
    );
    await rejects(
      dispatch(ctx, { resourceType: 'User', method: 'DELETE', id, ifMatch: 'W/"9"' }),
      412,
      undefined,
      stale,
    );
    const deleted = await dispatch(ctx, { resourceType: 'User', method: 'DELETE', id, ifMatch: 'W/"1"' });
    assert.deepEqual(deleted, { status: 204, headers: {}, target: { id, location: `${BASE}/Users/${id}` } });
    await rejects(
      dispatch(ctx, { resourceType: 'User', method: 'GET', id }),
      404,
      undefined,
      `User "${id}" not found.`,
    );
  });

  it('lists and searches a collection, and searches every type at the root', async () => {
    const { ctx } = await openTenant();
    await create(ctx, { resourceType: 'User', body: { userName: 'ann' } });
    await create(ctx, { resourceType: 'User', body: { userName: 'bob' } });
    await create(ctx, { resourceType: 'Group', body: { displayName: 'Team' } });
    const names = (r: DispatchResult) =>
      (bodyOf(r).Resources as Record<string, unknown>[]).map((x) => x.userName ?? x.displayName);
    const listed = await dispatch(ctx, { resourceType: 'User', method: 'GET', query: { filter: 'userName eq "bob"' } });
    assert.deepEqual(
      [listed.status, listed.headers, bodyOf(listed).totalResults, names(listed)],
      [200, {}, 1, ['bob']],
    );
    const searched = await dispatch(ctx, {
      resourceType: 'User',
      method: 'SEARCH',
      body: { sortBy: 'userName', sortOrder: 'descending', attributes: ['userName'] },
    });
    assert.deepEqual(names(searched), ['bob', 'ann']);
    assert.deepEqual(Object.keys((bodyOf(searched).Resources as object[])[0]!).sort(), ['id', 'schemas', 'userName']);
    const root = await dispatch(ctx, { method: 'GET', query: { count: '10' } });
    // Users first, then Groups; the users were created in the same instant, so ties go by id.
    const found = names(root);
    assert.deepEqual([bodyOf(root).totalResults, found.slice(0, 2).sort(), found[2]], [3, ['ann', 'bob'], 'Team']);
    const rootSearch = await dispatch(ctx, { method: 'SEARCH', body: { filter: 'displayName eq "Team"' } });
    assert.deepEqual(names(rootSearch), ['Team']);
    await rejects(
      dispatch(ctx, { resourceType: 'User', method: 'SEARCH', body: { filter: 7 } }),
      400,
      'invalidFilter',
      '"filter" must be a string, got number.',
    );
  });

  it('signs list cursors with the settings it is given', async () => {
    const { ctx } = await openTenant();
    for (const userName of ['ann', 'bob', 'cy']) await create(ctx, { resourceType: 'User', body: { userName } });
    const page = (secret: string, cursor: string) =>
      dispatch(
        ctx,
        { resourceType: 'User', method: 'GET', query: { cursor, count: '1' } },
        { ...DEFAULT_DISPATCH_SETTINGS, cursors: { ...DEFAULT_DISPATCH_SETTINGS.cursors, secret } },
      );
    const first = bodyOf(await page('one', ''));
    const next = String(first.nextCursor);
    assert.equal((bodyOf(await page('one', next)).Resources as unknown[]).length, 1);
    await rejects(
      page('two', next),
      400,
      'invalidCursor',
      'The cursor is not one this server issued for this tenant; request the first page again with an empty cursor.',
    );
  });

  it('gives Bulk the lean answer: no members read, 200 for a group PATCH', async () => {
    const { ctx } = await openTenant();
    const user = (await create(ctx, { resourceType: 'User', body: { userName: 'ann' } })).target!.id;
    const group = await dispatch(ctx, {
      resourceType: 'Group',
      method: 'POST',
      body: { displayName: 'Team', members: [{ value: user }] },
      lean: true,
    });
    const id = group.target!.id;
    assert.deepEqual([group.status, bodyOf(group).members], [201, undefined]);
    const patched = await dispatch(ctx, {
      resourceType: 'Group',
      method: 'PATCH',
      id,
      body: patchOp({ op: 'replace', path: 'displayName', value: 'Crew' }),
      query: { attributes: 'members' },
      lean: true,
    });
    assert.deepEqual([patched.status, patched.target?.etag, bodyOf(patched).members], [200, 'W/"2"', undefined]);
    const userPut = await dispatch(ctx, {
      resourceType: 'User',
      method: 'PUT',
      id: user,
      body: { userName: 'ann' },
      lean: true,
    });
    assert.deepEqual([userPut.status, bodyOf(userPut).groups], [200, undefined]);
  });

  it('refuses a method the target does not have with 405', async () => {
    const { ctx } = await openTenant();
    await rejects(
      dispatch(ctx, { resourceType: 'User', method: 'DELETE' }),
      405,
      undefined,
      'Method DELETE is not allowed on a collection of User.',
    );
    await rejects(
      dispatch(ctx, { resourceType: 'User', method: 'SEARCH', id: 'x' }),
      405,
      undefined,
      'Method SEARCH is not allowed on a resource of User.',
    );
    await rejects(
      dispatch(ctx, { method: 'POST', body: {} }),
      405,
      undefined,
      'Method POST is not allowed on a collection of the SCIM root.',
    );
  });
});
