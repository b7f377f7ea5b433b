/**
 * Issue #13.4 through HTTP: one rule for attributes no schema declares. By default the request is
 * accepted, what no schema declares is ignored and every ignored path lands in the request's
 * notes (ctx.notes.ignoredAttributes, recorded on its provisioning-log entry); with
 * SCIMD_UNKNOWN_ATTRIBUTES=reject the same requests answer 400 and change nothing.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyRequest } from 'fastify';
import { type Backend, describeEachBackend } from '../store/test-support/backends.js';
import { ENTRA_USER, type Harness, startHarness } from './test-support/harness.js';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const CUSTOM = 'urn:ietf:params:scim:schemas:extension:CustomExtension:2.0:User';

function patch(...operations: unknown[]) {
  return { schemas: [PATCH_OP], Operations: operations };
}

/** A harness whose last SCIM request's ignored attributes can be read. */
async function startNoting(backend: Backend, config: Record<string, unknown> = {}) {
  const h = await startHarness({ backend, config });
  const noted: { last: string[] } = { last: [] };
  h.app.addHook('onResponse', async (request: FastifyRequest) => {
    const notes = request.scimContext?.notes;
    if (notes) noted.last = [...notes.ignoredAttributes];
  });
  return { h, noted };
}

/** A user body carrying one of each kind of undeclared attribute. */
const SLOPPY_USER = {
  ...ENTRA_USER,
  userName: 'sloppy@contoso.com',
  externalId: 'sloppy',
  adreses: [{ streetAddress: '1 Main St' }],
  name: { givenName: 'Sam', nickname: 'S' },
  emails: [{ primary: true, type: 'work', value: 'sloppy@contoso.com', kind: 'x' }],
  [ENTERPRISE]: { department: 'R&D', badge: '7' },
  [CUSTOM]: { costCenter: 'CC-1' },
};
const SLOPPY_PATHS = ['adreses', 'name.nickname', 'emails.kind', `${ENTERPRISE}:badge`, `${CUSTOM}:costCenter`];

describeEachBackend('unknown attributes, default mode: accepted, ignored and noted', (backend) => {
  let h: Harness;
  let noted: { last: string[] };
  before(async () => {
    ({ h, noted } = await startNoting(backend));
  });
  after(() => h.close());

  it('POST /Users stores only declared attributes and notes every ignored path', async () => {
    const res = await h.request('POST', '/scim/v2/Users', SLOPPY_USER);
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json();
    assert.equal(body.adreses, undefined);
    assert.deepEqual(body.name, { givenName: 'Sam' });
    assert.deepEqual(body.emails, [{ primary: true, type: 'work', value: 'sloppy@contoso.com' }]);
    assert.deepEqual(body[ENTERPRISE], { department: 'R&D' });
    assert.equal(body[CUSTOM], undefined);
    assert.deepEqual(noted.last.sort(), [...SLOPPY_PATHS].sort());
  });

  it('PUT /Users (the reference collection misspells addresses as adreses) answers 200', async () => {
    const id = (await h.request('POST', '/scim/v2/Users', { userName: 'put@contoso.com' })).json<{ id: string }>().id;
    assert.deepEqual(noted.last, []);
    const res = await h.request('PUT', `/scim/v2/Users/${id}`, {
      userName: 'put@contoso.com',
      title: 'T',
      adreses: [{ country: 'NL' }],
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().title, 'T');
    assert.equal(res.json().adreses, undefined);
    assert.deepEqual(noted.last, ['adreses']);
  });

  it('PATCH with paths naming undeclared attributes: the other operations apply, the unknown ones are noted', async () => {
    const id = (await h.request('POST', '/scim/v2/Users', { userName: 'pp@contoso.com' })).json<{ id: string }>().id;
    const res = await h.request(
      'PATCH',
      `/scim/v2/Users/${id}`,
      patch(
        { op: 'replace', path: 'adreses', value: 'x' },
        { op: 'add', path: 'name.nickname', value: 'x' },
        { op: 'add', path: `${CUSTOM}:costCenter`, value: 'CC' },
        { op: 'add', path: `${ENTERPRISE}:badge`, value: '1' },
        { op: 'remove', path: 'foo[type eq "x"]' },
        { op: 'replace', path: 'title', value: 'Boss' },
      ),
    );
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().title, 'Boss');
    assert.deepEqual(noted.last, ['adreses', 'name.nickname', `${CUSTOM}:costCenter`, `${ENTERPRISE}:badge`, 'foo']);
  });

  it('PATCH with only undeclared paths changes nothing: 200, same version', async () => {
    const id = (await h.request('POST', '/scim/v2/Users', { userName: 'pn@contoso.com' })).json<{ id: string }>().id;
    const res = await h.request('PATCH', `/scim/v2/Users/${id}`, patch({ op: 'replace', path: 'adreses', value: 'x' }));
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers.etag, 'W/"1"');
    assert.deepEqual(noted.last, ['adreses']);
  });

  it('path-less PATCH drops undeclared keys and sub-attributes', async () => {
    const id = (await h.request('POST', '/scim/v2/Users', { userName: 'pl@contoso.com' })).json<{ id: string }>().id;
    const res = await h.request(
      'PATCH',
      `/scim/v2/Users/${id}`,
      patch({
        op: 'replace',
        value: {
          displayName: 'D',
          adreses: 'x',
          name: { familyName: 'F', nickname: 'n' },
          [CUSTOM]: { costCenter: '1' },
        },
      }),
    );
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().displayName, 'D');
    assert.deepEqual(res.json().name, { familyName: 'F' });
    assert.deepEqual(noted.last, ['adreses', 'name.nickname', `${CUSTOM}:costCenter`]);
  });

  it('Groups: POST, PUT and PATCH (path and path-less) ignore and note undeclared attributes', async () => {
    const created = await h.request('POST', '/scim/v2/Groups', { displayName: 'G1', colour: 'red' });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().colour, undefined);
    assert.deepEqual(noted.last, ['colour']);
    const id = created.json<{ id: string }>().id;

    const put = await h.request('PUT', `/scim/v2/Groups/${id}`, { displayName: 'G2', colour: 'blue' });
    assert.equal(put.statusCode, 200, put.body);
    assert.equal(put.json().displayName, 'G2');
    assert.deepEqual(noted.last, ['colour']);

    const pathed = await h.request(
      'PATCH',
      `/scim/v2/Groups/${id}`,
      patch({ op: 'replace', path: 'colour', value: 'x' }),
    );
    assert.equal(pathed.statusCode, 204, pathed.body);
    assert.deepEqual(noted.last, ['colour']);

    const pathless = await h.request(
      'PATCH',
      `/scim/v2/Groups/${id}`,
      patch({ op: 'replace', value: { displayName: 'G3', colour: 'x' } }),
    );
    assert.equal(pathless.statusCode, 204, pathless.body);
    assert.deepEqual(noted.last, ['colour']);
    assert.equal((await h.request('GET', `/scim/v2/Groups/${id}`)).json().displayName, 'G3');
  });

  it('Bulk: each operation ignores undeclared attributes; the request notes them all', async () => {
    const res = await h.request('POST', '/scim/v2/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'u', data: { userName: 'bulk@contoso.com', adreses: 'x' } },
        { method: 'PATCH', path: '/Users/bulkId:u', data: patch({ op: 'add', path: 'shoeSize', value: 42 }) },
        { method: 'POST', path: '/Groups', bulkId: 'g', data: { displayName: 'BG', colour: 'red' } },
      ],
    });
    assert.equal(res.statusCode, 200, res.body);
    const statuses = res.json<{ Operations: { status: string }[] }>().Operations.map((o) => o.status);
    assert.deepEqual(statuses, ['201', '200', '201']);
    assert.deepEqual(noted.last.sort(), ['adreses', 'colour', 'shoeSize']);
  });
});

describeEachBackend('unknown attributes, SCIMD_UNKNOWN_ATTRIBUTES=reject: 400, nothing changes', (backend) => {
  let h: Harness;
  let userId: string;
  let groupId: string;
  before(async () => {
    ({ h } = await startNoting(backend, { unknownAttributes: 'reject' }));
    userId = (await h.request('POST', '/scim/v2/Users', { userName: 'strict@contoso.com' })).json<{ id: string }>().id;
    groupId = (await h.request('POST', '/scim/v2/Groups', { displayName: 'Strict' })).json<{ id: string }>().id;
  });
  after(() => h.close());

  const expect400 = async (
    method: string,
    url: string,
    body: unknown,
    scimType: string,
    detail: string,
  ): Promise<void> => {
    const res = await h.request(method, url, body);
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.json().scimType, scimType);
    assert.equal(res.json().detail, detail);
  };

  it('bodies: invalidValue naming the attribute (POST, PUT, Users and Groups)', async () => {
    await expect400(
      'POST',
      '/scim/v2/Users',
      { userName: 'a@b.c', adreses: 'x' },
      'invalidValue',
      'Unknown attribute "adreses".',
    );
    await expect400(
      'POST',
      '/scim/v2/Users',
      { userName: 'a@b.c', name: { nickname: 'x' } },
      'invalidValue',
      'name has no sub-attribute "nickname".',
    );
    await expect400(
      'POST',
      '/scim/v2/Users',
      { userName: 'a@b.c', [CUSTOM]: { costCenter: '1' } },
      'invalidValue',
      `Unknown schema "${CUSTOM}": no extension of User has this URN.`,
    );
    await expect400(
      'PUT',
      `/scim/v2/Users/${userId}`,
      { userName: 'strict@contoso.com', [ENTERPRISE]: { badge: '1' } },
      'invalidValue',
      `Unknown attribute "${ENTERPRISE}:badge".`,
    );
    await expect400(
      'POST',
      '/scim/v2/Groups',
      { displayName: 'X', colour: 'r' },
      'invalidValue',
      'Unknown attribute "colour".',
    );
    await expect400(
      'PUT',
      `/scim/v2/Groups/${groupId}`,
      { displayName: 'X', colour: 'r' },
      'invalidValue',
      'Unknown attribute "colour".',
    );
  });

  it('PATCH: invalidPath for paths and path-less keys, invalidValue for sub-attributes inside a value', async () => {
    await expect400(
      'PATCH',
      `/scim/v2/Users/${userId}`,
      patch({ op: 'replace', path: 'title', value: 'T' }, { op: 'add', path: `${CUSTOM}:costCenter`, value: '1' }),
      'invalidPath',
      `Operations[1]: unknown attribute "${CUSTOM}:costCenter".`,
    );
    await expect400(
      'PATCH',
      `/scim/v2/Users/${userId}`,
      patch({ op: 'replace', path: 'name.nickname', value: 'x' }),
      'invalidPath',
      'Operations[0]: "name" has no sub-attribute "nickname".',
    );
    await expect400(
      'PATCH',
      `/scim/v2/Users/${userId}`,
      patch({ op: 'replace', value: { adreses: 'x' } }),
      'invalidPath',
      'Operations[0]: unknown attribute "adreses".',
    );
    await expect400(
      'PATCH',
      `/scim/v2/Users/${userId}`,
      patch({ op: 'replace', value: { [CUSTOM]: { costCenter: '1' } } }),
      'invalidPath',
      `Operations[0]: Unknown schema "${CUSTOM}": no extension of User has this URN.`,
    );
    await expect400(
      'PATCH',
      `/scim/v2/Users/${userId}`,
      patch({ op: 'replace', path: 'name', value: { nickname: 'x' } }),
      'invalidValue',
      'Operations[0]: name has no sub-attribute "nickname".',
    );
    await expect400(
      'PATCH',
      `/scim/v2/Groups/${groupId}`,
      patch({ op: 'replace', path: 'colour', value: 'x' }),
      'invalidPath',
      'Operations[0]: unknown attribute "colour".',
    );
    const user = await h.request('GET', `/scim/v2/Users/${userId}`);
    assert.equal(user.json().title, undefined);
    assert.equal(user.headers.etag, 'W/"1"');
  });

  it('Bulk: the operation fails with the same error, the others run', async () => {
    const res = await h.request('POST', '/scim/v2/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'a', data: { userName: 'sb@contoso.com', adreses: 'x' } },
        { method: 'POST', path: '/Users', bulkId: 'b', data: { userName: 'sb2@contoso.com' } },
      ],
    });
    const ops = res.json<{ Operations: { status: string; response?: { scimType?: string } }[] }>().Operations;
    assert.deepEqual(
      ops.map((o) => [o.status, o.response?.scimType]),
      [
        ['400', 'invalidValue'],
        ['201', undefined],
      ],
    );
  });
});
