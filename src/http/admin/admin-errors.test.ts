import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ADMIN_ERROR_CATALOGUE, adminErrorCode } from './admin-errors.js';

describe('admin error catalogue', () => {
  it('docs/admin-api.md lists exactly the codes of ADMIN_ERROR_CATALOGUE with the same status', () => {
    const rows = readFileSync('docs/admin-api.md', 'utf8')
      .split('\n')
      .filter((line) => /^\| [a-z_]+ \| \d{3} \|/.test(line))
      .map((line) => line.split('|').map((cell) => cell.trim()));
    const documented = Object.fromEntries(rows.map((r) => [r[1], Number(r[2])]));
    assert.deepEqual(documented, ADMIN_ERROR_CATALOGUE);
  });

  it('answers each catalogued status with its code, and others by class', () => {
    for (const [code, status] of Object.entries(ADMIN_ERROR_CATALOGUE)) assert.equal(adminErrorCode(status), code);
    assert.deepEqual([adminErrorCode(408), adminErrorCode(503)], ['bad_request', 'internal_error']);
  });
});
