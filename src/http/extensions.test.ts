/**
 * Operator-declared schema extensions (docs/extensions.md) through HTTP: the registry is built
 * from docs/examples/extensions.json, as `scimd serve` builds it from SCIMD_SCHEMA_EXTENSIONS.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { ConfigError } from '../config/config.js';
import { createRegistry } from '../scim/schema/registry.js';
import { loadRegistry } from '../server.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
import { describeEachBackend } from '../store/test-support/backends.js';
import { createTenant, issueToken } from '../tenancy/tenants.js';
import { buildApp } from './app.js';
import { NOW, scimError, TEST_CONFIG } from './test-support/harness.js';

const ACME = 'urn:example:scim:schemas:extension:acme:2.0:User';
const ACME_GROUP = 'urn:example:scim:schemas:extension:acme:2.0:Group';
const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

type Json = Record<string, unknown>;

// On both SQL backends and on the memory store: each stores and filters extension attributes.
describeEachBackend('schema extensions through HTTP', (backend) => declareExtensionSuite(() => backend.openStore()));
describe('schema extensions through HTTP (memory:)', () => declareExtensionSuite(() => openStore('memory:')));

function declareExtensionSuite(open: () => Promise<Store>): void {
  let app: FastifyInstance;
  let store: Store;
  let token: string;

  const request = async (method: string, url: string, body?: unknown) => {
    const response = await app.inject({
      method: method as 'GET',
      url: `/scim/v2${url}`,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/scim+json' } : {}) },
      ...(body ? { payload: JSON.stringify(body) } : {}),
    });
    return { status: response.statusCode, body: response.body ? (response.json() as Json) : {} };
  };
  const userNames = (body: Json) => (body.Resources as Json[]).map((r) => r.userName);

  before(async () => {
    const registry = await loadRegistry({ schemaExtensionsPath: 'docs/examples/extensions.json' });
    store = await open();
    await createTenant(store, { slug: 'acme' }, NOW);
    token = (await issueToken(store, 'acme', {}, NOW)).token;
    app = await buildApp({ config: TEST_CONFIG, store, logger: false, registry });
    const users: [string, Json][] = [
      [
        'ann',
        {
          costCenter: 'CC-1',
          badgeNumber: 7,
          office: { building: 'North', floor: 3 },
          licenses: [{ value: 'L1', type: 'pro' }],
        },
      ],
      [
        'bob',
        {
          costCenter: 'cc-2',
          badgeNumber: 3,
          remote: true,
          licenses: [
            { value: 'L2', type: 'basic' },
            { value: 'L3', type: 'pro', primary: true },
          ],
        },
      ],
      ['cy', { badgeNumber: 12, office: { floor: 1 }, hrNotes: 'private' }],
    ];
    for (const [userName, acme] of users) {
      const res = await request('POST', '/Users', { schemas: [CORE_USER, ACME], userName, [ACME]: acme });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
  });
  after(async () => {
    await app.close();
    await store.close();
  });

  it('lists the extension schemas in /Schemas and /ResourceTypes', async () => {
    const schemas = (await request('GET', '/Schemas')).body.Resources as Json[];
    assert.deepEqual(
      schemas.map((s) => s.id),
      [
        CORE_USER,
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
        ACME,
        'urn:ietf:params:scim:schemas:core:2.0:Group',
        ACME_GROUP,
      ],
    );
    const acme = (await request('GET', `/Schemas/${ACME}`)).body;
    assert.deepEqual(
      (acme.attributes as Json[]).find((a) => a.name === 'office'),
      {
        name: 'office',
        type: 'complex',
        multiValued: false,
        description: 'Where the user sits',
        required: false,
        caseExact: false,
        mutability: 'readWrite',
        returned: 'default',
        uniqueness: 'none',
        subAttributes: [
          {
            name: 'building',
            type: 'string',
            multiValued: false,
            description: '',
            required: false,
            caseExact: false,
            mutability: 'readWrite',
            returned: 'default',
            uniqueness: 'none',
          },
          {
            name: 'floor',
            type: 'integer',
            multiValued: false,
            description: '',
            required: false,
            caseExact: false,
            mutability: 'readWrite',
            returned: 'default',
            uniqueness: 'none',
          },
        ],
      },
    );
    const group = (await request('GET', '/ResourceTypes/Group')).body;
    assert.deepEqual(group.schemaExtensions, [{ schema: ACME_GROUP, required: false }]);
  });

  it('stores extension attributes under their URN, validated and coerced by type', async () => {
    const created = await request('POST', '/Users', {
      userName: 'dee',
      [ACME.toUpperCase()]: { COSTCENTER: 'CC-9', badgeNumber: 40, hireDate: '2024-03-01T09:00:00Z' },
    });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body.schemas, [CORE_USER, ACME]);
    assert.deepEqual(created.body[ACME], { costCenter: 'CC-9', badgeNumber: 40, hireDate: '2024-03-01T09:00:00Z' });
    const bad = await request('POST', '/Users', { userName: 'eve', [ACME]: { badgeNumber: 'seven' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.scimType, 'invalidValue');
    assert.match(String(bad.body.detail), new RegExp(`${ACME}:badgeNumber`));
    // Issue #13.4: an attribute the extension does not declare is ignored by default (and noted);
    // SCIMD_UNKNOWN_ATTRIBUTES=reject keeps the 400 (unknown-attributes.test.ts).
    const unknown = await request('POST', '/Users', { userName: 'eve', [ACME]: { shoeSize: 44 } });
    assert.equal(unknown.status, 201);
    assert.equal(unknown.body[ACME], undefined);
    const registry = await loadRegistry({ schemaExtensionsPath: 'docs/examples/extensions.json' });
    const strict = await buildApp({
      config: { ...TEST_CONFIG, unknownAttributes: 'reject' },
      store,
      logger: false,
      registry,
    });
    const rejected = await strict.inject({
      method: 'POST',
      url: '/scim/v2/Users',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
      payload: JSON.stringify({ userName: 'eve2', [ACME]: { shoeSize: 44 } }),
    });
    await strict.close();
    assert.deepEqual(rejected.json(), scimError(400, 'invalidValue', `Unknown attribute "${ACME}:shoeSize".`));
  });

  it('filters and sorts on extension attributes', async () => {
    const list = async (query: string) => {
      const res = await request('GET', `/Users?${query}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return userNames(res.body);
    };
    const f = (filter: string) => `filter=${encodeURIComponent(filter)}&sortBy=userName`;
    assert.deepEqual(await list(f(`${ACME}:costCenter sw "cc-"`)), ['ann', 'bob', 'dee']);
    assert.deepEqual(await list(f(`${ACME}:badgeNumber gt 5`)), ['ann', 'cy', 'dee']);
    assert.deepEqual(await list(f(`${ACME}:office.floor le 1 or ${ACME}:remote eq true`)), ['bob', 'cy']);
    assert.deepEqual(await list(f(`${ACME}:licenses[type eq "pro" and value eq "L1"]`)), ['ann']);
    assert.deepEqual(await list(f(`${ACME}:licenses[value eq "l1"]`)), [], 'licenses.value is caseExact');
    assert.deepEqual(await list(f(`${ACME}:licenses.value eq "L3"`)), ['bob']);
    assert.deepEqual(await list(f(`${ACME}:licenses[type eq "PRO"]`)), ['ann', 'bob']);
    assert.deepEqual(
      await list(f('badgeNumber pr')),
      ['ann', 'bob', 'cy', 'dee'],
      'unqualified names reach extensions',
    );
    // …after the core schema and the extensions declared before: costCenter is the Enterprise one.
    assert.deepEqual(await list(f('costCenter pr')), []);
    assert.deepEqual(
      await list(
        `sortBy=${ACME}:badgeNumber&sortOrder=descending&filter=${encodeURIComponent(`${ACME}:badgeNumber pr`)}`,
      ),
      ['dee', 'cy', 'ann', 'bob'],
    );
  });

  it('returns request-only attributes only when asked', async () => {
    const [cy] = (await request('GET', '/Users?filter=userName%20eq%20%22cy%22')).body.Resources as Json[];
    assert.deepEqual(cy![ACME], { badgeNumber: 12, office: { floor: 1 } });
    const asked = await request('GET', `/Users/${cy!.id}?attributes=${ACME}:hrNotes`);
    assert.deepEqual(asked.body[ACME], { hrNotes: 'private' });
  });

  it('PATCH and PUT change extension attributes with the same validation', async () => {
    const [bob] = (await request('GET', '/Users?filter=userName%20eq%20%22bob%22')).body.Resources as Json[];
    const patch = (Operations: unknown[]) =>
      request('PATCH', `/Users/${bob!.id}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations,
      });
    const patched = await patch([
      { op: 'replace', path: `${ACME}:costCenter`, value: 'CC-3' },
      { op: 'add', path: `${ACME}:licenses`, value: [{ value: 'L4', type: 'basic' }] },
      { op: 'remove', path: `${ACME}:licenses[type eq "pro"]` },
      { op: 'remove', path: `${ACME}:remote` },
      { op: 'add', value: { [`${ACME}:office`]: { building: 'South' } } },
    ]);
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.deepEqual(patched.body[ACME], {
      costCenter: 'CC-3',
      badgeNumber: 3,
      licenses: [
        { value: 'L2', type: 'basic' },
        { value: 'L4', type: 'basic' },
      ],
      office: { building: 'South' },
    });
    const bad = await patch([{ op: 'replace', path: `${ACME}:office.floor`, value: 'high' }]);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.scimType, 'invalidValue');
    const put = await request('PUT', `/Users/${bob!.id}`, { userName: 'bob', [ACME]: { remote: 'True' } });
    assert.equal(put.status, 200);
    assert.deepEqual(put.body[ACME], { remote: true });
    const where = async (filter: string) =>
      userNames((await request('GET', `/Users?filter=${encodeURIComponent(filter)}`)).body);
    assert.deepEqual(await where(`${ACME}:licenses.value eq "L4"`), []);
    assert.deepEqual(await where(`${ACME}:remote eq true`), ['bob']);
  });

  it('works for Groups too', async () => {
    const created = await request('POST', '/Groups', { displayName: 'Team A', [ACME_GROUP]: { kind: 'team' } });
    assert.equal(created.status, 201);
    const found = await request('GET', `/Groups?filter=${encodeURIComponent(`${ACME_GROUP}:kind eq "TEAM"`)}`);
    assert.deepEqual(
      (found.body.Resources as Json[]).map((g) => g.displayName),
      ['Team A'],
    );
  });
}

describe('loadRegistry (SCIMD_SCHEMA_EXTENSIONS)', () => {
  it('is the built-in registry without a file', async () => {
    const registry = await loadRegistry({ schemaExtensionsPath: undefined });
    assert.deepEqual(
      registry.schemas.map((s) => s.id),
      createRegistry().schemas.map((s) => s.id),
    );
  });

  it('reports an unreadable or invalid file as a configuration error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scimd-ext-'));
    const missing = join(dir, 'missing.json');
    await assert.rejects(loadRegistry({ schemaExtensionsPath: missing }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(
        error.message,
        /^invalid configuration \(1 problem\):\n {2}SCIMD_SCHEMA_EXTENSIONS: cannot read ".*missing\.json": ENOENT/,
      );
      return true;
    });
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({ extensions: [{ resourceType: 'User', schema: { id: 'x', name: 'X', attributes: [] } }] }),
    );
    await assert.rejects(loadRegistry({ schemaExtensionsPath: bad }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(
        error.problems.map((p) => [p.variable, p.message]),
        [
          [
            'SCIMD_SCHEMA_EXTENSIONS',
            `${JSON.stringify(bad)} extensions[0].schema.id: must be a URN such as "urn:example:scim:schemas:extension:acme:2.0:User"`,
          ],
          [
            'SCIMD_SCHEMA_EXTENSIONS',
            `${JSON.stringify(bad)} extensions[0].schema.attributes: must be a non-empty array of attribute definitions`,
          ],
        ],
      );
      return true;
    });
  });
});
