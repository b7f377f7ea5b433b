import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScimError } from '../errors.js';
import { parseAttributeSelections, parseFilter, parsePatchPath } from '../filter/parse.js';
import { type FilterForms, IDP_FILTER_FORMS } from './filter-forms.js';

const RFC_ONLY: FilterForms = {
  bareStringValues: false,
  subAttributeAfterFilter: false,
  valueFiltersInAttributeLists: false,
};

function assertInvalidFilter(run: () => unknown, message: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ScimError, `expected a ScimError, got ${String(error)}`);
    assert.equal(error.status, 400);
    assert.equal(error.scimType, 'invalidFilter');
    assert.equal(error.message, message);
    return true;
  });
}

describe('filter forms: the parser reads Entra forms only when compat switches them on', () => {
  it('every entry point reads both forms by default', () => {
    assert.deepEqual(IDP_FILTER_FORMS, {
      bareStringValues: true,
      subAttributeAfterFilter: true,
      valueFiltersInAttributeLists: true,
    });
  });

  it('bare string values: userName eq john@contoso.com is a string (rule entra-bare-filter-values)', () => {
    const expected = {
      kind: 'compare',
      path: { attribute: 'userName' },
      op: 'eq',
      value: 'john@contoso.com',
    };
    assert.deepEqual(parseFilter('userName eq john@contoso.com'), expected);
    assert.deepEqual(parseFilter('userName eq "john@contoso.com"', RFC_ONLY), expected);
    assertInvalidFilter(
      () => parseFilter('userName eq john@contoso.com', RFC_ONLY),
      'expected a quoted string, a number, true, false or null after "eq" at column 13',
    );
    assertInvalidFilter(
      () => parsePatchPath('emails[type eq work]', RFC_ONLY),
      'expected a quoted string, a number, true, false or null after "eq" at column 16',
    );
    // true/false/null and JSON numbers are RFC values: read either way.
    assert.deepEqual(parseFilter('active eq TRUE', RFC_ONLY), {
      kind: 'compare',
      path: { attribute: 'active' },
      op: 'eq',
      value: true,
    });
  });

  it('a sub-attribute after the brackets joins the filter (rule entra-filter-sub-after-bracket)', () => {
    const text = 'emails[type eq "work"].value eq "k@contoso.com"';
    assert.deepEqual(parseFilter(text), {
      kind: 'valuePath',
      path: { attribute: 'emails' },
      filter: {
        kind: 'and',
        left: { kind: 'compare', path: { attribute: 'type' }, op: 'eq', value: 'work' },
        right: { kind: 'compare', path: { attribute: 'value' }, op: 'eq', value: 'k@contoso.com' },
      },
    });
    assertInvalidFilter(() => parseFilter(text, RFC_ONLY), 'unexpected ".value" at column 23');
  });

  it('value filters in attribute lists: attributes=emails[type eq "work"] (rule microsoft-filtered-attribute-selections)', () => {
    assert.deepEqual(parseAttributeSelections('userName,emails[type eq "work"].value'), [
      { path: { attribute: 'userName' } },
      {
        path: { attribute: 'emails' },
        valueFilter: { kind: 'compare', path: { attribute: 'type' }, op: 'eq', value: 'work' },
        subAttribute: 'value',
      },
    ]);
    assert.deepEqual(parseAttributeSelections('userName,emails', RFC_ONLY), [
      { path: { attribute: 'userName' } },
      { path: { attribute: 'emails' } },
    ]);
    assert.throws(
      () => parseAttributeSelections('userName,emails[type eq "work"]', RFC_ONLY),
      (error: unknown) =>
        error instanceof ScimError &&
        error.scimType === 'invalidPath' &&
        error.message === 'unexpected "[" at column 16',
    );
  });
});
