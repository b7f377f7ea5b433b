import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSafeRequestId, MAX_REQUEST_ID_LENGTH, requestId } from './request-id.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function idFor(given: string | string[] | undefined): string {
  return requestId({ headers: { 'x-request-id': given } });
}

describe('requestId (#12.8)', () => {
  it("keeps a caller's short, plain request id", () => {
    for (const id of [
      'req-create-1',
      '3f2504e0-4f89-11d3-9a0c-0305e82c3301',
      '3F2504E0-4F89-11D3-9A0C-0305E82C3301',
      '01ARZ3NDEKTSV4RRFFQ69G5FAV',
      'job:42.step:7',
      'x'.repeat(MAX_REQUEST_ID_LENGTH),
    ]) {
      assert.equal(idFor(id), id, id);
    }
  });

  it('mints one for anything long, odd or shaped like a credential', () => {
    const refused = [
      `scimd_${'A1b2'.repeat(10)}xyz`,
      `scimd_admin_${'x'.repeat(20)}`,
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl',
      'Zx81kQp2Lm7Vw3Rt9Yb4Nc6Hd',
      'x'.repeat(MAX_REQUEST_ID_LENGTH + 1),
      'Bearer abc',
      'a b',
      'line\nbreak',
      '',
    ];
    for (const id of refused) {
      assert.equal(isSafeRequestId(id), false, id);
      assert.match(idFor(id), UUID, id);
    }
    assert.match(idFor(['a', 'b']), UUID);
    assert.match(idFor(undefined), UUID);
  });
});
