import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildGuide } from './content.js';
import { type DiagnosedRequest, diagnoseRequest } from './diagnose.js';
import type { GuideInput, Text } from './model.js';
import { TROUBLESHOOTING_IDS, troubleshootingRows } from './troubleshooting.js';

const INPUT: GuideInput = {
  tenant: { slug: 'acme', name: 'Acme Corp' },
  scimUrl: 'https://scim.example.com/t/acme/scim/v2',
  roles: [
    { value: 'sales.editor', displayName: 'Sales Editor', description: 'Edit deals' },
    { value: 'Admin', displayName: 'Administrator', description: 'Everything' },
  ],
  manifest: [],
};

/** A SCIM error message as scimd sends it (scim/messages.ts) and the log keeps it. */
const error = (status: number, detail: string, scimType?: string) =>
  JSON.stringify({
    schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
    status: String(status),
    ...(scimType ? { scimType } : {}),
    detail,
  });

const USERS = '/t/acme/scim/v2/Users';
const TEST_CONNECTION = `${USERS}?filter=userName+eq+%22e8c1b7a2-5d0f-4c5e-9a3b-1f2d3c4b5a69%22`;

type Case = [name: string, entry: DiagnosedRequest, expected: string | undefined];
const request = (
  status: number,
  method: string,
  path: string,
  responseBody: string | null,
  scimType: string | null = null,
): DiagnosedRequest => ({ status, method, path, responseBody, scimType });

const CASES: Case[] = [
  [
    'a 401 (wrong, revoked or expired token)',
    {
      ...request(401, 'GET', TEST_CONNECTION, error(401, 'Authentication is required: send a valid bearer token.')),
      authenticated: false,
    },
    'unauthorized',
  ],
  [
    'a 404 of Test Connection (GET /Users?filter=…)',
    request(404, 'GET', TEST_CONNECTION, error(404, 'User "x" not found.')),
    'wrong-tenant-url',
  ],
  [
    'a 404 of Test Connection on Groups, with other parameters first',
    request(404, 'GET', '/t/acme/scim/Groups?excludedAttributes=members&filter=displayName+eq+%22x%22', null),
    'wrong-tenant-url',
  ],
  [
    'a 404 naming no such endpoint (a Tenant URL with a path too many)',
    request(
      404,
      'POST',
      '/t/acme/scim/v2/scim/Users',
      error(404, 'No such endpoint: POST /t/acme/scim/v2/scim/Users.'),
    ),
    'wrong-tenant-url',
  ],
  [
    'a 404 naming an unknown tenant',
    request(404, 'PATCH', '/t/acme/scim/v2/Users/u1', error(404, 'tenant "acme" not found')),
    'wrong-tenant-url',
  ],
  [
    'a 404 on one user (deleted meanwhile): no row',
    request(404, 'GET', `${USERS}/2819c223`, error(404, 'User "2819c223" not found.')),
    undefined,
  ],
  [
    'a 404 DELETE of a group: no row',
    request(404, 'DELETE', '/t/acme/scim/v2/Groups/g1', error(404, 'Group "g1" not found.')),
    undefined,
  ],
  [
    'a 409 uniqueness',
    request(409, 'POST', USERS, error(409, 'userName "ann@example.com" is already taken', 'uniqueness'), 'uniqueness'),
    'uniqueness',
  ],
  ['a 409 without scimType', request(409, 'PUT', `${USERS}/u1`, error(409, 'conflict')), 'uniqueness'],
  [
    'a 400 invalidValue refusing a role',
    request(
      400,
      'POST',
      USERS,
      error(
        400,
        'roles: "Sales" is not an app role of this application; allowed values: "sales.editor", "Admin".',
        'invalidValue',
      ),
      'invalidValue',
    ),
    'role-not-allowed',
  ],
  [
    'a 400 invalidValue refusing a disabled role, its body truncated (no longer JSON)',
    request(
      400,
      'PATCH',
      `${USERS}/u1`,
      '{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidValue","detail":"roles: app role \\"Admin\\" is disabled; allowed val',
      'invalidValue',
    ),
    'role-not-allowed',
  ],
  [
    'a 400 invalidValue about another attribute',
    request(
      400,
      'POST',
      USERS,
      error(400, '"active" must be a boolean, got a string.', 'invalidValue'),
      'invalidValue',
    ),
    'invalid-value',
  ],
  [
    'a 400 invalidFilter',
    request(
      400,
      'GET',
      `${USERS}?filter=emails+eq+%22a%40example.com%22`,
      error(400, 'emails is complex: compare one of its sub-attributes', 'invalidFilter'),
      'invalidFilter',
    ),
    'invalid-filter',
  ],
  [
    'a 413 over the body limit',
    request(
      413,
      'PATCH',
      '/t/acme/scim/v2/Groups/g1',
      error(413, 'The request body is larger than the server accepts (SCIMD_MAX_BODY_BYTES).'),
    ),
    'too-large',
  ],
  ['a 413 without a body', request(413, 'PUT', '/t/acme/scim/v2/Groups/g1', null), 'too-large'],
  [
    'a 400 invalidValue over the attribute size limit, even of roles',
    request(
      400,
      'POST',
      USERS,
      error(
        400,
        '"roles.value" is 40000 bytes long; this server accepts at most 32768 bytes per attribute value.',
        'invalidValue',
      ),
      'invalidValue',
    ),
    'too-large',
  ],
  [
    'a 400 invalidValue over the PATCH operation limit',
    request(
      400,
      'PATCH',
      '/t/acme/scim/v2/Groups/g1',
      error(400, '"Operations" has 1001 operations; at most 1000 are accepted per request.', 'invalidValue'),
      'invalidValue',
    ),
    'too-large',
  ],
  [
    'a 429',
    request(429, 'POST', USERS, error(429, 'Too many requests for this tenant; retry after 1 second.')),
    'too-many-requests',
  ],
  ['a 200', request(200, 'GET', TEST_CONNECTION, '{"totalResults":0}'), undefined],
  ['a 201', request(201, 'POST', USERS, '{"id":"u1"}'), undefined],
  ['a 204', request(204, 'DELETE', `${USERS}/u1`, null), undefined],
  ['a 304', request(304, 'GET', `${USERS}/u1`, null), undefined],
  [
    'a 431 (headers, not the customer’s data)',
    request(431, 'GET', USERS, error(431, 'The request headers are larger than the server accepts.')),
    undefined,
  ],
  [
    'a 400 invalidSyntax',
    request(400, 'POST', USERS, error(400, 'The body is not JSON.', 'invalidSyntax'), 'invalidSyntax'),
    undefined,
  ],
  ['a 500', request(500, 'POST', USERS, error(500, 'Internal server error (request id r1).')), undefined],
];

describe('diagnoseRequest', () => {
  for (const [name, entry, expected] of CASES) {
    it(`${name} → ${expected ?? 'no row'}`, () => {
      assert.equal(diagnoseRequest(entry, INPUT)?.id, expected);
    });
  }

  it('answers the very row of the guide’s table, with the tenant’s values', () => {
    const table = buildGuide(INPUT)
      .sections.find((s) => s.id === 'troubleshooting')!
      .blocks.find((b) => b.kind === 'table');
    assert.ok(table?.kind === 'table');
    const roles = diagnoseRequest(CASES[9]![1], INPUT)!;
    const at = TROUBLESHOOTING_IDS.indexOf('role-not-allowed');
    assert.deepEqual([roles.symptom, roles.meaning, roles.action], table.rows[at]);
    assert.equal(table.rowIds?.[at], 'troubleshooting-role-not-allowed');
    assert.deepEqual(roles.action, [
      'Assign one of: ',
      { code: 'sales.editor' },
      ', ',
      { code: 'Admin' },
      '. Ask your vendor if you need another role.',
    ] satisfies Text);
    const url = diagnoseRequest(CASES[1]![1], INPUT)!;
    assert.deepEqual(url.action, ['Enter the Tenant URL exactly as ', { code: INPUT.scimUrl }, '.']);
    for (const row of troubleshootingRows(INPUT)) {
      assert.deepEqual(table.rows[TROUBLESHOOTING_IDS.indexOf(row.id)], [row.symptom, row.meaning, row.action]);
    }
  });
});
