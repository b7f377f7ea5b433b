import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compareCodePoints, fold, isPresent, parseDateTime } from './values.js';

describe('compareCodePoints', () => {
  it('orders like UTF-8 bytes (SQLite BINARY, PostgreSQL "C") for well-formed strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        const bytes = Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
        assert.equal(Math.sign(compareCodePoints(a, b)), bytes);
      }),
      { numRuns: 2000 },
    );
  });
  it('puts astral characters after the top of the BMP, unlike UTF-16 order', () => {
    assert.ok(compareCodePoints('\uffff', '😀') < 0);
    assert.ok('\uffff' > '😀');
    assert.ok(compareCodePoints('a😀', 'a\ue000') > 0);
    assert.equal(compareCodePoints('abc', 'abc'), 0);
    assert.ok(compareCodePoints('ab', 'abc') < 0);
  });
});

describe('fold', () => {
  it('lower-cases with Unicode rules', () => {
    assert.equal(fold('ÉMILE Zoë'), 'émile zoë');
    assert.equal(fold('STRASSE'), 'strasse');
    assert.equal(fold('Straße'), 'straße');
    assert.equal(fold('İ'), 'i̇');
  });
});

describe('isPresent (RFC 7643 §2.5 unassigned values)', () => {
  const cases: [unknown, boolean][] = [
    [undefined, false],
    [null, false],
    ['', false],
    [[], false],
    [{}, false],
    [[null, ''], false],
    [{ value: null }, false],
    [[{ value: '' }], false],
    [' ', true],
    [0, true],
    [false, true],
    ['x', true],
    [[{ value: 'x' }], true],
    [{ type: 'work' }, true],
  ];
  for (const [value, expected] of cases) {
    it(`${JSON.stringify(value)} → ${expected}`, () => assert.equal(isPresent(value), expected));
  }
});

describe('parseDateTime', () => {
  const cases: [string, number | undefined][] = [
    ['2024-05-01T12:00:00Z', Date.UTC(2024, 4, 1, 12)],
    ['2024-05-01T12:00:00.250Z', Date.UTC(2024, 4, 1, 12, 0, 0, 250)],
    ['2024-05-01T14:00:00+02:00', Date.UTC(2024, 4, 1, 12)],
    ['2024-05-01T12:00:00', undefined],
    ['2024-05-01', undefined],
    ['2024-02-30T12:00:00Z', undefined],
    ['2024-02-29T12:00:00Z', Date.UTC(2024, 1, 29, 12)],
    ['2023-02-29T12:00:00Z', undefined],
    ['2024-05-01T24:30:00Z', undefined],
    ['0001-01-01T00:00:00Z', -62135596800000],
    ['0000-02-29T00:00:00Z', -62162121600000],
    ['2024-13-01T12:00:00Z', undefined],
    ['yesterday', undefined],
  ];
  for (const [text, expected] of cases) {
    it(text, () => assert.equal(parseDateTime(text), expected));
  }
});
