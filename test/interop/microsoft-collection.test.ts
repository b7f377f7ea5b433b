/**
 * Microsoft's SCIM reference collection (issue #13, item 7): the Postman collection of
 * AzureAD/SCIMReferenceCode (vendored under test/interop/vendor/microsoft, see its README), run
 * with newman against scimd in-process on each backend, with a fresh tenant and token. Its
 * "Get Token" folder (the reference server's own token endpoint) is left out: scimd's token
 * is given instead. The pass count is written down and asserted exactly, and every remaining
 * failure is listed with its reason (docs/testing.md).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, it } from 'node:test';
import { type Backend, describeEachBackend, type Site } from '../../src/store/test-support/backends.js';
import { type RunningScimd, startScimd } from '../fuzz/support/server.js';
import { type Check, declaredChecks, type PostmanCollection, runCollection } from './support/postman.js';

const COLLECTION = JSON.parse(
  readFileSync(new URL('./vendor/microsoft/PostmanCollection.json', import.meta.url), 'utf8'),
) as PostmanCollection;
const WITHOUT_TOKEN_FOLDER: PostmanCollection = {
  ...COLLECTION,
  item: COLLECTION.item.filter((folder) => folder.name !== 'Get Token'),
};

/** The collection's checks, without the one of its "Get Token" folder. */
const TOTAL = 107;

const PATCH_200 =
  'deliberate: a user PATCH answers 200 with the resource, which RFC 7644 §3.5.2 allows and Entra and Okta accept; the collection expects 204';
const BARE_MEMBER =
  'deliberate: the collection adds the bare string "string id 1" as a member; RFC 7643 §4.2 members are objects naming a resource, so scimd answers 400 invalidValue';
/**
 * Each check that fails, and why it is deliberate (docs/testing.md keeps the same list). Fixed
 * since the collection was first run: `/users` in lower case and `/ServiceConfiguration`
 * (docs/compat.md), `GET /Users/?filter=…` (issue #13.2), value filters in `attributes`
 * (#13.3), and the misspelt `adreses` ignored instead of refused (#13.4).
 */
const EXPECTED_FAILURES: Record<string, string> = {
  'Group tests / Get group by id / Body contians user':
    'deliberate: the member was added as {"displayName":"new User","value":…}; displayName is not a member sub-attribute (RFC 7643 §4.2: value, $ref, type, display), so it is not stored or returned',
  'User tests with garbage / Patch user omalley new username / Status code is 204': PATCH_200,
  'User tests with garbage / patch user omalley active with boolean / Status code is 204': PATCH_200,
  'Group tests with garbage / Group patch add member / Status code is 204': BARE_MEMBER,
  'Group tests with garbage / Group patch add member2 / Status code is 204': BARE_MEMBER,
};

const EXPECTED_PASSED = TOTAL - Object.keys(EXPECTED_FAILURES).length;

describeEachBackend("Microsoft's SCIM reference collection", (backend: Backend) => {
  let site: Site;
  let scimd: RunningScimd;
  let checks: Check[];

  before(async () => {
    site = await backend.provision();
    scimd = await startScimd(site.databaseUrl);
    checks = await runCollection(WITHOUT_TOKEN_FOLDER, {
      Protocol: 'http',
      Server: '127.0.0.1',
      Port: `:${scimd.port}`,
      Api: `t/${scimd.a.slug}/scim/v2`,
      token: scimd.a.token,
    });
  });

  after(async () => {
    await scimd?.close();
    await site?.dispose();
  });

  it(`declares ${TOTAL} checks outside its token folder`, () => {
    assert.equal(declaredChecks(WITHOUT_TOKEN_FOLDER).flatMap((r) => r.tests).length, TOTAL);
    assert.equal(checks.length, TOTAL);
  });

  it(`passes exactly ${EXPECTED_PASSED} of ${TOTAL}; the others fail for the reasons listed`, () => {
    const failed = checks.filter((c) => !c.passed);
    console.log(`Microsoft's reference collection on ${backend.name}: ${TOTAL - failed.length} of ${TOTAL} passed`);
    for (const f of failed) console.log(`  FAIL ${f.id}: ${f.error?.slice(0, 240)}`);
    assert.deepEqual(
      failed.map((c) => c.id),
      Object.keys(EXPECTED_FAILURES),
    );
    assert.equal(TOTAL - failed.length, EXPECTED_PASSED);
  });
});
