/**
 * PATCH through the whole HTTP stack against the pure engine as a model (RFC 7644 §3.5.2):
 * generated Entra/Okta-shaped requests are POSTed, PATCHed and read back, and what the store
 * returns must be exactly what `applyPatch` computes from the POSTed body; a request with one
 * invalid operation anywhere must fail with the exact error and leave the resource untouched.
 * Runs on SQLite, and again on PostgreSQL when the runner has SCIMD_TEST_PG_URL.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import fc from 'fast-check';
import { normalizePatchRequest } from '../scim/compat/normalize.js';
import { applyPatch } from '../scim/patch/apply.js';
import { parsePatchRequest } from '../scim/patch/parse.js';
import { USER_RESOURCE_TYPE } from '../scim/schema/registry.js';
import { URN } from '../scim/schema/urns.js';
import { type Backend, describeEachBackend } from '../store/test-support/backends.js';
import { type Harness, startHarness } from './test-support/harness.js';

const ENTERPRISE = URN.enterpriseUser;
type Json = Record<string, unknown>;
type RawOp = { op: string; path?: string; value?: unknown };

/** Fewer runs on PostgreSQL, where every request costs a few round trips more. */
const numRunsOn = (backend: Backend) => (backend.name === 'postgres' ? 25 : 40);

function patchOp(operations: readonly RawOp[]): Json {
  return { schemas: [URN.patchOp], Operations: operations };
}

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

/** Non-empty strings, with case-folding and non-ASCII traps (NUL is a documented 400). */
const text = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('a', 'A', 'Sales', 'x y', 'Ünïcode', '7', 'straße', 'İstanbul', '日本') },
  {
    weight: 2,
    arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }).filter((s) => !s.includes('\u0000')),
  },
);
/** A string value in a PATCH: mostly text, sometimes "" or null (both unassign, RFC 7643 §2.5). */
const patchText = fc.oneof(
  { weight: 8, arbitrary: text },
  { weight: 1, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: fc.constant(null) },
);
/** A boolean, as JSON or (half of the time) as Entra's "True"/"False" strings. */
const entraBoolean = fc.boolean().chain((b) => fc.constantFrom<boolean | string>(b, b ? 'True' : 'False'));
const addOrReplace = fc.constantFrom('add', 'replace');

/**
 * Elements of a multi-valued attribute, distinct by value ignoring case (so an add never merges
 * two incoming elements into one); only a lone element may be primary, so one operation never
 * touches two primaries (that is a 400, covered by the atomicity property).
 */
function elements(types: readonly string[], suffix: string) {
  const element = fc.record(
    { value: text.map((v) => `${v}${suffix}`), type: fc.constantFrom(...types), primary: fc.boolean() },
    { requiredKeys: ['value'] },
  );
  return fc
    .uniqueArray(element, { minLength: 1, maxLength: 3, selector: (e) => e.value.toLowerCase() })
    .map((list) => (list.length === 1 ? list : list.map(({ primary: _p, ...rest }) => rest)));
}
const emails = elements(['work', 'home', 'other'], '@example.com');
const phones = elements(['work', 'mobile', 'home'], '');

/** A valid User body for POST (userName is set per run, so it stays unique while shrinking). */
const userBody = fc
  .record(
    {
      displayName: text,
      title: text,
      nickName: text,
      active: fc.boolean(),
      name: fc.record({ givenName: text, familyName: text }, { requiredKeys: [] }),
      emails,
      phoneNumbers: phones,
      [ENTERPRISE]: fc.record({ department: text, employeeNumber: text }, { requiredKeys: [] }),
    },
    { requiredKeys: [] },
  )
  .map((body) => ({
    schemas: [URN.user, ...(body[ENTERPRISE] !== undefined ? [ENTERPRISE] : [])],
    ...body,
  }));

const SCALARS = ['displayName', 'title', 'nickName'] as const;

const scalarOp: fc.Arbitrary<RawOp> = fc
  .constantFrom(...SCALARS)
  .chain((attr) =>
    fc.oneof(
      fc.record({ op: addOrReplace, path: fc.constantFrom(attr, attr.toLowerCase()), value: patchText }),
      fc.constant({ op: 'remove', path: attr }),
      fc.record({ op: addOrReplace, value: text.map((v) => ({ [attr]: v })) }),
    ),
  );

const activeOp: fc.Arbitrary<RawOp> = fc.oneof(
  fc.record({ op: addOrReplace, path: fc.constant('active'), value: entraBoolean }),
  fc.record({ op: addOrReplace, value: entraBoolean.map((active) => ({ active })) }),
  fc.constant({ op: 'remove', path: 'active' }),
);

const nameOp: fc.Arbitrary<RawOp> = fc.oneof(
  fc.record({ op: addOrReplace, path: fc.constantFrom('name.givenName', 'name.familyName'), value: patchText }),
  fc.record({ op: fc.constant('remove'), path: fc.constantFrom('name.givenName', 'name.familyName', 'name') }),
  fc.record({
    op: addOrReplace,
    path: fc.constant('name'),
    value: fc.record({ givenName: text, familyName: text }, { requiredKeys: [] }),
  }),
  // The aadOptscim062020 dialect: path-less with dotted keys.
  fc.record({
    op: addOrReplace,
    value: fc.record({ 'name.givenName': text, 'name.familyName': text }, { requiredKeys: [] }),
  }),
);

const emailOp: fc.Arbitrary<RawOp> = fc.oneof(
  fc.record({ op: fc.constant('add'), path: fc.constant('emails'), value: emails }),
  fc.record({ op: fc.constant('replace'), path: fc.constant('emails'), value: emails }),
  fc.record({
    op: addOrReplace,
    path: fc.constant('emails[type eq "work"].value'),
    value: fc.oneof(
      text.map((v) => `${v}@example.com`),
      fc.constant(''),
    ),
  }),
  fc.constant({ op: 'remove', path: 'emails[type eq "home"]' }),
  fc.constant({ op: 'remove', path: 'emails' }),
);

const phoneOp: fc.Arbitrary<RawOp> = fc.oneof(
  fc.record({ op: fc.constant('add'), path: fc.constant('phoneNumbers'), value: phones }),
  fc.record({ op: addOrReplace, path: fc.constant('phoneNumbers[type eq "mobile"].value'), value: text }),
  fc.constant({ op: 'remove', path: 'phoneNumbers[type eq "work"]' }),
  fc.constant({ op: 'remove', path: 'phoneNumbers' }),
);

const ENTERPRISE_ATTRIBUTES = ['department', 'employeeNumber'] as const;
const enterpriseOp: fc.Arbitrary<RawOp> = fc.oneof(
  fc.record({
    op: addOrReplace,
    path: fc.constantFrom(...ENTERPRISE_ATTRIBUTES).map((a) => `${ENTERPRISE}:${a}`),
    value: patchText,
  }),
  fc.record({
    op: fc.constant('remove'),
    path: fc.constantFrom(...ENTERPRISE_ATTRIBUTES).map((a) => `${ENTERPRISE}:${a}`),
  }),
  fc.constant({ op: 'remove', path: ENTERPRISE }),
  // Path-less, nested under the URN key, optionally next to a core attribute.
  fc.record({
    op: addOrReplace,
    value: fc
      .tuple(fc.record({ department: text, employeeNumber: text }, { requiredKeys: [] }), fc.option(text))
      .map(([ext, title]) => ({ ...(title === null ? {} : { title }), [ENTERPRISE]: ext })),
  }),
  // Path-less with URN-prefixed keys (aadOptscim062020).
  fc.record({
    op: addOrReplace,
    value: fc.tuple(fc.constantFrom(...ENTERPRISE_ATTRIBUTES), text).map(([a, v]) => ({ [`${ENTERPRISE}:${a}`]: v })),
  }),
);

/** Entra capitalises op names (`Add`, `Replace`, `Remove`): half of the operations do. */
function entraCased(op: fc.Arbitrary<RawOp>): fc.Arbitrary<RawOp> {
  return fc
    .tuple(op, fc.boolean())
    .map(([o, capital]) => (capital ? { ...o, op: o.op[0]!.toUpperCase() + o.op.slice(1) } : o));
}

const validOp = entraCased(fc.oneof(scalarOp, activeOp, nameOp, emailOp, phoneOp, enterpriseOp));
const validOps = fc.array(validOp, { minLength: 1, maxLength: 5 });

interface InvalidOp {
  readonly op: RawOp;
  readonly scimType: string;
}

/** Operations that fail whatever ran before them, with the scimType they fail with (all 400). */
const INVALID: readonly InvalidOp[] = [
  { op: { op: 'replace', path: 'shoeSize', value: 'x' }, scimType: 'invalidPath' },
  { op: { op: 'add', path: 'nickName.first', value: 'x' }, scimType: 'invalidPath' },
  { op: { op: 'add', path: `${ENTERPRISE}:shoeSize`, value: 'x' }, scimType: 'invalidPath' },
  { op: { op: 'add', value: { shoeSize: 44 } }, scimType: 'invalidPath' },
  { op: { op: 'replace', path: 'id', value: 'other' }, scimType: 'mutability' },
  { op: { op: 'remove', path: 'userName' }, scimType: 'mutability' },
  { op: { op: 'replace', path: 'active', value: 'maybe' }, scimType: 'invalidValue' },
  {
    op: {
      op: 'add',
      path: 'emails',
      value: [
        { value: 'p1@example.com', primary: true },
        { value: 'p2@example.com', primary: 'True' },
      ],
    },
    scimType: 'invalidValue',
  },
];
const invalidOp = fc
  .tuple(fc.constantFrom(...INVALID), fc.boolean())
  .map(([bad, capital]) => (capital ? { ...bad, op: { ...bad.op, op: bad.op.op.toUpperCase() } } : bad));

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

describeEachBackend('PATCH through HTTP: properties against the pure engine', (backend) => {
  let h: Harness;
  let sequence = 0;
  before(async () => {
    // The pure engine rejects undeclared attributes; the server does too in reject mode
    // (issue #13.4: the default mode ignores them, see unknown-attributes.test.ts).
    h = await startHarness({ backend, config: { unknownAttributes: 'reject' } });
  });
  after(() => h.close());

  /** POSTs `body` with a fresh userName; returns the id, the version and the stored body. */
  async function create(body: Json): Promise<{ id: string; version: string; stored: Json }> {
    sequence += 1;
    const res = await h.request('POST', '/scim/v2/Users', { ...body, userName: `prop-${sequence}@example.com` });
    assert.equal(res.statusCode, 201, res.body);
    // The stored body is the representation without what is composed on read (id, meta, groups).
    const { id, meta, groups: _groups, ...stored } = res.json();
    return { id: id as string, version: (meta as Json).version as string, stored };
  }

  it('applying a generated PATCH then GET equals applying it to the in-memory model', async () => {
    await fc.assert(
      fc.asyncProperty(userBody, validOps, async (user, ops) => {
        const { id, version, stored } = await create(user);
        const request = patchOp(ops);
        const operations = parsePatchRequest(normalizePatchRequest(USER_RESOURCE_TYPE, request, id));
        // Throws if the generator produced an invalid request: that is a generator bug.
        const model = applyPatch(USER_RESOURCE_TYPE, stored, operations);

        const url = `/scim/v2/Users/${id}`;
        const patched = await h.request('PATCH', url, request);
        assert.equal(patched.statusCode, 200, patched.body);
        const got = await h.request('GET', url);
        assert.equal(got.statusCode, 200, got.body);
        const { id: gotId, meta, ...body } = got.json();
        assert.equal(gotId, id);
        // deepStrictEqual compares plain objects' keys unordered: PostgreSQL jsonb reorders them.
        assert.deepStrictEqual(body, model.body);

        const n = Number(/^W\/"(\d+)"$/.exec(version)?.[1]);
        const expected = `W/"${model.changedAttributes.length > 0 ? n + 1 : n}"`;
        assert.equal((meta as Json).version, expected, `changedAttributes: ${model.changedAttributes.join(', ')}`);
        assert.equal(got.headers.etag, expected);
        assert.equal(patched.headers.etag, expected);
        assert.deepStrictEqual(patched.json(), got.json());
      }),
      { numRuns: numRunsOn(backend) },
    );
  });

  it('a failing operation leaves the resource byte-identical', async () => {
    await fc.assert(
      fc.asyncProperty(userBody, validOps, invalidOp, fc.nat(), async (user, ops, bad, at) => {
        const { id } = await create(user);
        const url = `/scim/v2/Users/${id}`;
        const before = await h.request('GET', url);
        const position = at % (ops.length + 1);
        const all = [...ops.slice(0, position), bad.op, ...ops.slice(position)];

        const res = await h.request('PATCH', url, patchOp(all));
        assert.equal(res.statusCode, 400, res.body);
        const error = res.json();
        assert.equal(error.status, '400');
        assert.equal(error.scimType, bad.scimType, res.body);
        assert.ok(String(error.detail).startsWith(`Operations[${position}]: `), res.body);

        const afterwards = await h.request('GET', url);
        assert.equal(afterwards.body, before.body);
        assert.equal(afterwards.headers.etag, before.headers.etag);
      }),
      { numRuns: numRunsOn(backend) },
    );
  });
});
