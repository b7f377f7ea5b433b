/**
 * Issue #12.3 through HTTP: a bound on every string attribute value and on each stored resource,
 * on POST, PUT, PATCH (the result of the PATCH) and Bulk: 400 invalidValue naming the attribute
 * and the limit, and nothing changes. Small limits keep the bodies small.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachBackend } from '../store/test-support/backends.js';
import { type Harness, scimError, startHarness } from './test-support/harness.js';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const MAX_ATTRIBUTE = 300;
const MAX_RESOURCE = 4096;

function patch(...operations: unknown[]) {
  return { schemas: [PATCH_OP], Operations: operations };
}

const tooLong = (what: string, bytes: number) =>
  scimError(
    400,
    'invalidValue',
    `"${what}" is ${bytes} bytes long; this server accepts at most ${MAX_ATTRIBUTE} bytes per attribute value.`,
  );

describeEachBackend('resource size limits (issue #12.3)', (backend) => {
  let h: Harness;
  let userId: string;
  let before1: string;
  before(async () => {
    h = await startHarness({ backend, config: { maxAttributeBytes: MAX_ATTRIBUTE, maxResourceBytes: MAX_RESOURCE } });
    userId = (await h.request('POST', '/scim/v2/Users', { userName: 'limits@contoso.com', title: 'ok' })).json<{
      id: string;
    }>().id;
    before1 = (await h.request('GET', `/scim/v2/Users/${userId}`)).body;
  });
  after(() => h.close());

  it('a string at the limit is stored; one byte more is 400 naming the attribute (POST)', async () => {
    const ok = await h.request('POST', '/scim/v2/Users', {
      userName: 'at@contoso.com',
      title: 't'.repeat(MAX_ATTRIBUTE),
    });
    assert.equal(ok.statusCode, 201, ok.body);
    const res = await h.request('POST', '/scim/v2/Users', {
      userName: 'over@contoso.com',
      title: 't'.repeat(MAX_ATTRIBUTE + 1),
    });
    assert.deepEqual(res.json(), tooLong('title', MAX_ATTRIBUTE + 1));
  });

  it('counts UTF-8 bytes and names sub-attributes and extension attributes (POST)', async () => {
    const euro = '€'.repeat(101); // 303 bytes
    const sub = await h.request('POST', '/scim/v2/Users', { userName: 'sub@contoso.com', name: { givenName: euro } });
    assert.deepEqual(sub.json(), tooLong('name.givenName', 303));
    const ext = await h.request('POST', '/scim/v2/Users', {
      userName: 'ext@contoso.com',
      [ENTERPRISE]: { department: euro },
    });
    assert.deepEqual(ext.json(), tooLong(`${ENTERPRISE}:department`, 303));
    const list = (await h.request('GET', '/scim/v2/Users?filter=userName%20sw%20%22sub%40%22')).json();
    assert.equal(list.totalResults, 0);
  });

  it('PUT and PATCH: 400 and the user is unchanged', async () => {
    const put = await h.request('PUT', `/scim/v2/Users/${userId}`, {
      userName: 'limits@contoso.com',
      title: 'x'.repeat(MAX_ATTRIBUTE + 1),
    });
    assert.deepEqual(put.json(), tooLong('title', MAX_ATTRIBUTE + 1));
    const pathed = await h.request(
      'PATCH',
      `/scim/v2/Users/${userId}`,
      patch({ op: 'add', path: 'emails[type eq "work"].value', value: `${'e'.repeat(MAX_ATTRIBUTE)}@x` }),
    );
    assert.deepEqual(pathed.json(), tooLong('emails.value', MAX_ATTRIBUTE + 2));
    assert.equal((await h.request('GET', `/scim/v2/Users/${userId}`)).body, before1);
  });

  it('the resource limit applies to the whole body, also to the result of a PATCH', async () => {
    const emails = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ value: `${String(i).padStart(4, '0')}${'m'.repeat(200)}@contoso.com` }));
    const post = await h.request('POST', '/scim/v2/Users', { userName: 'big@contoso.com', emails: emails(20) });
    assert.equal(post.statusCode, 400);
    assert.equal(post.json().scimType, 'invalidValue');
    assert.match(
      String(post.json().detail),
      /^the resource would be \d+ bytes of JSON; this server stores at most 4096 bytes per resource\.$/,
    );

    const small = await h.request('POST', '/scim/v2/Users', { userName: 'grow@contoso.com', emails: emails(10) });
    assert.equal(small.statusCode, 201, small.body);
    const id = small.json<{ id: string }>().id;
    const grow = await h.request(
      'PATCH',
      `/scim/v2/Users/${id}`,
      patch({ op: 'add', path: 'emails', value: emails(20) }),
    );
    assert.equal(grow.statusCode, 400);
    assert.match(String(grow.json().detail), /at most 4096 bytes per resource/);
    assert.equal((await h.request('GET', `/scim/v2/Users/${id}`)).headers.etag, 'W/"1"');
  });

  it('groups: displayName is bounded; members do not count towards the resource', async () => {
    const res = await h.request('POST', '/scim/v2/Groups', { displayName: 'g'.repeat(MAX_ATTRIBUTE + 1) });
    assert.deepEqual(res.json(), tooLong('displayName', MAX_ATTRIBUTE + 1));
  });

  it('Bulk: the oversize operation fails with the same error, the others run', async () => {
    const res = await h.request('POST', '/scim/v2/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'a', data: { userName: 'b1@contoso.com', title: 't'.repeat(400) } },
        { method: 'POST', path: '/Users', bulkId: 'b', data: { userName: 'b2@contoso.com' } },
      ],
    });
    const ops = res.json<{ Operations: { status: string; response?: Record<string, unknown> }[] }>().Operations;
    assert.deepEqual(ops[0]!.response, tooLong('title', 400));
    assert.equal(ops[1]!.status, '201');
  });

  it('the defaults are 32 KiB per string and 256 KiB per resource', async () => {
    const d = await startHarness({ backend });
    try {
      const ok = await d.request('POST', '/scim/v2/Users', { userName: 'd@contoso.com', title: 't'.repeat(32 * 1024) });
      assert.equal(ok.statusCode, 201);
      const over = await d.request('POST', '/scim/v2/Users', {
        userName: 'e@contoso.com',
        title: 't'.repeat(32 * 1024 + 1),
      });
      assert.equal(
        over.json().detail,
        `"title" is ${32 * 1024 + 1} bytes long; this server accepts at most 32768 bytes per attribute value.`,
      );
    } finally {
      await d.close();
    }
  });
});
