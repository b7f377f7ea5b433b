import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../schema/registry.js';
import { attribute, type ResourceTypeDefinition } from '../schema/types.js';
import { arbitraryUserFilter, arbitraryUserResource, cmp, not, pr, vp } from './arbitraries.js';
import type { Filter } from './ast.js';
import { checkFilter } from './check.js';
import { matchesFilter } from './evaluate.js';
import { parseFilter } from './parse.js';
import { printFilter } from './print.js';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ALICE_ID = '2819c223-7f76-453a-919d-413861904646';

/** Full representations (body + id + meta + groups), shaped like what Entra provisions. */
const USERS: Record<string, Record<string, unknown>> = {
  alice: {
    schemas: [CORE, ENT],
    id: ALICE_ID,
    externalId: 'AliceExt',
    userName: 'Alice@Contoso.com',
    name: { givenName: 'Alice', familyName: 'Zoë-Straße', formatted: 'Alice Zoë-Straße' },
    displayName: 'Alice Smith',
    title: 'Engineer',
    active: true,
    emails: [
      { value: 'alice@contoso.com', type: 'work', primary: true },
      { value: 'alice@home.example', type: 'home' },
    ],
    phoneNumbers: [{ value: '+1 555 0100', type: 'mobile' }],
    roles: [{ value: 'Admin', display: 'Administrator', primary: true }, { value: 'Reader' }],
    [ENT]: { department: 'Sales', employeeNumber: '701984', manager: { value: 'bob-id' } },
    groups: [{ value: 'g1', display: 'Sales Team' }],
    meta: {
      resourceType: 'User',
      created: '2024-01-01T00:00:00.000Z',
      lastModified: '2024-06-01T12:00:00.000Z',
      version: 'W/"3"',
    },
  },
  bob: {
    schemas: [CORE],
    id: 'bob-id',
    userName: 'bob@contoso.com',
    active: false,
    emails: [{ value: 'BOB@CONTOSO.COM', type: 'Work' }],
    meta: {
      resourceType: 'User',
      created: '2023-03-01T00:00:00+02:00',
      lastModified: '2023-03-01T00:00:00+02:00',
      version: 'W/"1"',
    },
  },
  carol: {
    schemas: [CORE],
    id: 'carol-id',
    userName: 'carol',
    meta: {
      resourceType: 'User',
      created: '2022-12-31T23:00:00.000Z',
      lastModified: '2022-12-31T23:00:00.000Z',
      version: 'W/"1"',
    },
  },
};

function matching(text: string, resources: Record<string, Record<string, unknown>>, type: ResourceTypeDefinition) {
  const filter = checkFilter(parseFilter(text), type);
  return Object.entries(resources)
    .filter(([, resource]) => matchesFilter(filter, resource, type))
    .map(([name]) => name);
}

describe('matchesFilter over Users', () => {
  const all = ['alice', 'bob', 'carol'];
  const cases: [string, string[]][] = [
    // userName is caseExact:false; Entra's lookups, quoted and unquoted.
    ['userName eq "alice@contoso.com"', ['alice']],
    ['userName eq "ALICE@CONTOSO.COM"', ['alice']],
    ['userName eq Alice@Contoso.com', ['alice']],
    ['userName eq "6b7a1b2c-0f3e-4e2a-9c51-7d1f0b8e4a11"', []],
    ['userName ne "alice@contoso.com"', ['bob', 'carol']],
    ['userName co ""', all],
    ['userName sw "BO"', ['bob']],
    ['userName ew ".COM"', ['alice', 'bob']],
    ['userName gt "b"', ['bob', 'carol']],
    ['userName lt "B"', ['alice']],
    ['userName le "BOB@contoso.com"', ['alice', 'bob']],
    ['userName ge "CAROL"', ['carol']],
    ['userName gt "carol"', []],
    // externalId and id are caseExact.
    ['externalId eq "AliceExt"', ['alice']],
    ['externalId eq "aliceext"', []],
    ['externalId ne "aliceext"', all],
    ['externalId pr', ['alice']],
    [`id eq "${ALICE_ID}"`, ['alice']],
    ['id eq "BOB-ID"', []],
    ['id eq "bob-id" or id eq "carol-id"', ['bob', 'carol']],
    // Multi-valued emails: any element; valuePath needs one element matching the whole filter.
    ['emails[type eq "work"].value eq "alice@contoso.com"', ['alice']],
    ['emails[type eq "work"].value eq "bob@contoso.com"', ['bob']],
    ['emails[type eq "home"].value eq "alice@contoso.com"', []],
    ['emails[type eq "home" and value co "contoso"]', []],
    ['emails.type eq "home" and emails.value co "contoso"', ['alice']],
    ['emails co "@contoso.com"', ['alice', 'bob']],
    ['emails.value ew ".COM"', ['alice', 'bob']],
    ['emails.value eq "alice@home.example"', ['alice']],
    ['emails.value ne "alice@home.example"', ['bob', 'carol']],
    ['emails[value ne "alice@home.example"]', ['alice', 'bob']],
    ['emails pr', ['alice', 'bob']],
    ['not (emails pr)', ['carol']],
    ['emails eq null', ['carol']],
    ['emails ne null', ['alice', 'bob']],
    ['emails[primary eq true]', ['alice']],
    ['emails[not (primary eq true)]', ['alice', 'bob']],
    ['emails[primary pr]', ['alice']],
    ['emails[type eq "WORK" and primary eq "True"]', ['alice']],
    ['emails[type eq "work" or type eq "home"]', ['alice', 'bob']],
    ['emails.primary eq false', []],
    // Booleans, including Entra's "True".
    ['active eq true', ['alice']],
    ['active eq "True"', ['alice']],
    ['active eq false', ['bob']],
    ['active ne true', ['bob', 'carol']],
    ['active pr', ['alice', 'bob']],
    ['active eq null', ['carol']],
    ['not (active eq false)', ['alice', 'carol']],
    // Enterprise extension, qualified or not.
    ['department eq "sales"', ['alice']],
    [`${ENT}:department eq "Sales"`, ['alice']],
    ['department pr', ['alice']],
    ['department ne "Sales"', ['bob', 'carol']],
    [`${ENT}:manager.value eq "BOB-ID"`, ['alice']],
    ['manager pr', ['alice']],
    ['employeeNumber gt "7"', ['alice']],
    // dateTimes compare as instants, offsets included.
    ['meta.lastModified gt "2024-01-01T00:00:00Z"', ['alice']],
    ['meta.lastModified gt "2022-12-31T23:00:00Z"', ['alice', 'bob']],
    ['meta.lastModified ge "2022-12-31T23:00:00Z"', all],
    ['meta.lastModified eq "2023-02-28T22:00:00Z"', ['bob']],
    ['meta.created lt "2023-03-01T00:00:00+01:00"', ['bob', 'carol']],
    ['meta.created le "2023-01-01T00:00:00+01:00"', ['carol']],
    ['meta.lastModified eq "2024-06-01T14:00:00.000+02:00"', ['alice']],
    ['meta.version eq "W/\\"3\\""', ['alice']],
    ['meta.resourceType eq "user"', []],
    ['meta.resourceType eq "User"', all],
    // Names, Unicode folding by toLowerCase.
    ['name.givenName sw "al"', ['alice']],
    ['name.familyName co "ZOË"', ['alice']],
    ['name.familyName co "straße"', ['alice']],
    ['name.familyName co "STRASSE"', []],
    ['name pr', ['alice']],
    ['name.middleName pr', []],
    // Entra roles with "True" primary.
    ['roles[primary eq "True"].value eq "Admin"', ['alice']],
    ['roles[primary eq "True"].value eq "Reader"', []],
    ['roles.value eq "reader"', ['alice']],
    ['roles eq "ADMIN"', ['alice']],
    // Groups composed on read, phone numbers, absent attributes.
    ['groups.value eq "g1"', ['alice']],
    ['groups[display co "sales"]', ['alice']],
    ['phoneNumbers[type eq "mobile"]', ['alice']],
    ['x509Certificates pr', []],
    ['displayName sw ""', ['alice']],
    ['title pr and not (title eq "engineer")', []],
    ['(userName sw "a" or userName sw "b") and active pr', ['alice', 'bob']],
    ['not (userName sw "a" or userName sw "b")', ['carol']],
    ['userName sw "a" or userName sw "b" and active eq true', ['alice']],
    // Unknown attributes are absent.
    ['foo eq "x"', []],
    ['foo ne "x"', all],
    ['foo pr', []],
    ['not (foo pr)', all],
    ['foo eq null', all],
    ['name.nickName eq "x"', []],
    ['emails[foo eq "x"]', []],
    ['emails[not (foo pr)]', ['alice', 'bob']],
  ];
  for (const [text, expected] of cases) {
    it(`${text} → [${expected.join(', ')}]`, () => {
      assert.deepStrictEqual(matching(text, USERS, USER_RESOURCE_TYPE), expected);
    });
  }
});

describe('matchesFilter over Groups', () => {
  const GROUPS = {
    sales: {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      id: 'g1',
      displayName: 'Sales Team',
      externalId: 'grp-ext',
      members: [
        { value: ALICE_ID, type: 'User', display: 'Alice' },
        { value: 'bob-id', type: 'User' },
      ],
      meta: { resourceType: 'Group', created: '2024-01-01T00:00:00Z', lastModified: '2024-01-01T00:00:00Z' },
    },
    empty: {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      id: 'g2',
      displayName: 'Empty',
      meta: { resourceType: 'Group', created: '2024-01-01T00:00:00Z', lastModified: '2024-01-01T00:00:00Z' },
    },
  };
  const cases: [string, string[]][] = [
    ['displayName eq "sales team"', ['sales']],
    ['displayName eq "Sales"', []],
    ['members[value eq "bob-id"]', ['sales']],
    ['members.value eq "BOB-ID"', []],
    [`members[type eq "user" and value eq "${ALICE_ID}"]`, ['sales']],
    ['members pr', ['sales']],
    ['not (members pr)', ['empty']],
    ['members[display pr]', ['sales']],
    ['externalId eq "GRP-EXT"', []],
    ['userName eq "x"', []],
  ];
  for (const [text, expected] of cases) {
    it(`${text} → [${expected.join(', ')}]`, () => {
      assert.deepStrictEqual(matching(text, GROUPS, GROUP_RESOURCE_TYPE), expected);
    });
  }
});

describe('matchesFilter over numbers and binary', () => {
  const WIDGET: ResourceTypeDefinition = {
    ...USER_RESOURCE_TYPE,
    schema: {
      id: 'urn:example:Widget',
      name: 'Widget',
      description: '',
      attributes: [
        attribute('count', 'integer'),
        attribute('weight', 'decimal'),
        attribute('code', 'string', { caseExact: true }),
      ],
    },
    extensions: [],
  };
  const widgets = {
    nine: { count: 9, weight: 0.5, code: 'Ab' },
    ten: { count: 10, weight: 12.25, code: 'ab' },
    none: {},
  };
  const cases: [string, string[]][] = [
    ['count gt 9', ['ten']],
    ['count ge 9', ['nine', 'ten']],
    ['count lt 10', ['nine']],
    ['count eq 10', ['ten']],
    ['count ne 10', ['nine', 'none']],
    ['weight gt 1e1', ['ten']],
    ['weight le 0.5', ['nine']],
    ['code eq "ab"', ['ten']],
    ['code gt "Ab"', ['ten']],
    ['code sw "A"', ['nine']],
  ];
  for (const [text, expected] of cases) {
    it(`${text} → [${expected.join(', ')}]`, () => {
      assert.deepStrictEqual(matching(text, widgets, WIDGET), expected);
    });
  }
});

describe('matchesFilter properties', () => {
  const matches = (f: Filter, r: Record<string, unknown>) => matchesFilter(f, r, USER_RESOURCE_TYPE);

  it('not negates', () => {
    fc.assert(
      fc.property(arbitraryUserFilter(), arbitraryUserResource(), (f, r) => {
        assert.equal(matches(not(f), r), !matches(f, r));
      }),
      { numRuns: 500 },
    );
  });
  it('print, parse and check preserve the result', () => {
    fc.assert(
      fc.property(arbitraryUserFilter(), arbitraryUserResource(), (f, r) => {
        const again = checkFilter(parseFilter(printFilter(f)), USER_RESOURCE_TYPE);
        assert.equal(matches(again, r), matches(f, r));
      }),
      { numRuns: 500 },
    );
  });
  it('ne is not eq; eq null is not pr; ne null is pr', () => {
    const paths = ['userName', 'displayName', 'externalId', 'title', 'emails.value', 'emails.type', 'name.givenName'];
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.string(), arbitraryUserResource(), (path, value, r) => {
        assert.equal(matches(cmp(path, 'ne', value), r), !matches(cmp(path, 'eq', value), r));
        assert.equal(matches(cmp(path, 'eq', null), r), !matches(pr(path), r));
        assert.equal(matches(cmp(path, 'ne', null), r), matches(pr(path), r));
      }),
      { numRuns: 500 },
    );
  });
  it('a one-condition value path equals the dotted path (except ne)', () => {
    const ops = ['eq', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'] as const;
    fc.assert(
      fc.property(
        fc.constantFrom('value', 'type'),
        fc.constantFrom(...ops),
        fc.constantFrom('alice', 'ALICE@ACME.COM', 'work', 'W', '@', 'zoë'),
        arbitraryUserResource(),
        (sub, op, value, r) => {
          assert.equal(matches(vp('emails', cmp(sub, op, value)), r), matches(cmp(`emails.${sub}`, op, value), r));
        },
      ),
      { numRuns: 500 },
    );
  });
  it('userName comparisons ignore case; externalId comparisons do not', () => {
    fc.assert(
      fc.property(arbitraryUserResource(), (r) => {
        const userName = String(r.userName);
        assert.ok(matches(cmp('userName', 'eq', userName.toLowerCase()), r));
        if (typeof r.externalId === 'string') {
          assert.ok(matches(cmp('externalId', 'eq', r.externalId), r));
          const flipped =
            r.externalId.toUpperCase() === r.externalId ? r.externalId.toLowerCase() : r.externalId.toUpperCase();
          assert.equal(matches(cmp('externalId', 'eq', flipped), r), flipped === r.externalId);
        }
      }),
      { numRuns: 300 },
    );
  });
});
