import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import Fastify from 'fastify';
import { describeEachBackend } from '../../store/test-support/backends.js';
import { generateAdminToken } from '../../tenancy/admin-token.js';
import { type Harness, startHarness } from '../test-support/harness.js';
import { ADMIN_PREFIX, registerAdminApi } from './admin-plugin.js';

const admin = generateAdminToken();
const auth = { authorization: `Bearer ${admin.token}` };

type Document = { paths: Record<string, Record<string, { tags: string[]; responses: Record<string, unknown> }>> };

describeEachBackend('admin API: the OpenAPI document is the registered routes (#14.4)', (backend) => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ backend, config: { adminTokenHash: admin.hash } });
  });
  after(() => h.close());

  it('documents exactly the method and path of every route Fastify registers under /admin/v1', async () => {
    // Watch registration from outside the admin plugin, the way Fastify sees it.
    const app = Fastify({ logger: false });
    const registered = new Set<string>();
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) {
        if (method !== 'HEAD') registered.add(`${method} ${route.url.slice(ADMIN_PREFIX.length)}`);
      }
    });
    await registerAdminApi(app, {
      store: h.store,
      config: { publicUrl: 'https://scim.example.com', adminTokenHash: admin.hash },
      clock: () => new Date(),
    });
    const res = await app.inject({ method: 'GET', url: '/admin/v1/openapi.json', headers: auth });
    await app.close();
    assert.equal(res.statusCode, 200);
    const doc = res.json<Document>();
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path.replace(/\{([A-Za-z]+)\}/g, ':$1')}`),
      ),
    );
    assert.deepEqual([...documented].sort(), [...registered].sort());
    assert.equal(registered.size, 41);
  });

  it('describes the guide and the document itself from their registrations', async () => {
    const doc = (await h.request('GET', '/admin/v1/openapi.json', undefined, auth)).json<
      Document & {
        paths: Record<string, Record<string, { parameters: { name: string; in: string; schema: object }[] }>>;
      }
    >();
    const guide = doc.paths['/tenants/{slug}/guide']!['get']!;
    assert.deepEqual(guide.tags, ['tenants']);
    assert.deepEqual(Object.keys(guide.responses).sort(), ['200', '400', '401', '404']);
    assert.deepEqual(guide.responses['200'], { description: 'The guide, HTML by default' });
    assert.deepEqual(
      guide.parameters.map((p) => [p.in, p.name, p.schema]),
      [
        ['path', 'slug', { type: 'string' }],
        ['query', 'format', { type: 'string', enum: ['md', 'html', 'json'] }],
      ],
    );
    const self = doc.paths['/openapi.json']!['get']!;
    assert.deepEqual([self.tags, self.responses['200']], [['meta'], { description: 'OpenAPI 3.1' }]);
  });
});

describeEachBackend(
  'admin API: SCIM URLs without SCIMD_PUBLIC_URL come from the checked Host header (#14.4)',
  (backend) => {
    let h: Harness;
    before(async () => {
      h = await startHarness({ backend, config: { adminTokenHash: admin.hash, publicUrl: undefined } });
    });
    after(() => h.close());

    it('builds scimUrl from the Host the request came to, like meta.location', async () => {
      const headers = { ...auth, host: 'scim.customer.test:8443' };
      const tenant = await h.request('GET', '/admin/v1/tenants/acme', undefined, headers);
      assert.equal(tenant.json<{ scimUrl: string }>().scimUrl, 'http://scim.customer.test:8443/t/acme/scim/v2');
      const token = await h.request('POST', '/admin/v1/tenants/acme/tokens', {}, headers);
      assert.equal(token.json<{ scimUrl: string }>().scimUrl, 'http://scim.customer.test:8443/t/acme/scim/v2');
      const guide = await h.request('GET', '/admin/v1/tenants/acme/guide?format=json', undefined, headers);
      assert.equal(guide.json<{ scimUrl: string }>().scimUrl, 'http://scim.customer.test:8443/t/acme/scim/v2');
    });

    it('refuses a Host that is no host[:port] with a 400, never a URL built from it', async () => {
      const detail =
        'The Host header is not a valid host[:port], so no URL can be built from it; send a plain host name, or have the operator set SCIMD_PUBLIC_URL.';
      for (const url of ['/admin/v1/tenants/acme', '/admin/v1/tenants', '/admin/v1/tenants/acme/guide']) {
        const res = await h.request('GET', url, undefined, { ...auth, host: 'evil.example/#' });
        assert.deepEqual([res.statusCode, res.json()], [400, { error: 'bad_request', detail }], url);
      }
    });
  },
);
