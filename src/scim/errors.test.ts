import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ERROR_CATALOGUE, invalidFilter, ScimError, unauthorized, uniqueness } from './errors.js';
import { errorMessage } from './messages.js';

describe('error catalogue', () => {
  it('docs/errors.md lists exactly the factories of ERROR_CATALOGUE with the same status and scimType', () => {
    const rows = readFileSync('docs/errors.md', 'utf8')
      .split('\n')
      .filter((line) => /^\| [a-zA-Z]+ \| \d{3} \|/.test(line))
      .map((line) => line.split('|').map((cell) => cell.trim()));
    const documented = Object.fromEntries(
      rows.map((r) => [r[1], { status: Number(r[2]), scimType: r[3] || undefined }]),
    );
    assert.deepEqual(documented, ERROR_CATALOGUE);
  });

  it('factories build the documented status and scimType', () => {
    const e = invalidFilter('unexpected "]" at column 12');
    assert.ok(e instanceof ScimError);
    assert.deepEqual([e.status, e.scimType, e.detail], [400, 'invalidFilter', 'unexpected "]" at column 12']);
    assert.deepEqual([uniqueness('x').status, uniqueness('x').scimType], [409, 'uniqueness']);
  });

  it('401 carries the bearer challenge', () => {
    assert.deepEqual(unauthorized().headers, { 'WWW-Authenticate': 'Bearer realm="scimd"' });
  });

  it('renders the RFC 7644 §3.12 message with status as a string and no scimType when undefined', () => {
    assert.deepEqual(errorMessage(uniqueness('userName taken')), {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '409',
      scimType: 'uniqueness',
      detail: 'userName taken',
    });
    assert.deepEqual(errorMessage(unauthorized('no')), {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '401',
      detail: 'no',
    });
  });
});
