import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ExtensionFileError, parseExtensionFile, parseExtensionFileText } from './extension-file.js';
import { createRegistry, resolveAttribute } from './registry.js';

const EXAMPLE = readFileSync('docs/examples/extensions.json', 'utf8');
const URN_USER = 'urn:example:scim:schemas:extension:acme:2.0:User';

function problemsOf(value: unknown): readonly string[] {
  try {
    parseExtensionFile(value);
  } catch (error) {
    assert.ok(error instanceof ExtensionFileError);
    return error.problems;
  }
  assert.fail('expected an ExtensionFileError');
}

const file = (attributes: unknown[], extra: Record<string, unknown> = {}) => ({
  extensions: [{ resourceType: 'User', schema: { id: 'urn:x:ext:1', name: 'X', attributes }, ...extra }],
});

describe('schema extensions file', () => {
  it('reads the documented example with RFC 7643 defaults filled in', () => {
    const declarations = parseExtensionFileText(EXAMPLE);
    assert.deepEqual(
      declarations.map((d) => [d.resourceType, d.schema.id, d.required, d.schema.attributes.length]),
      [
        ['User', URN_USER, false, 7],
        ['Group', 'urn:example:scim:schemas:extension:acme:2.0:Group', false, 1],
      ],
    );
    const costCenter = declarations[0]!.schema.attributes[0]!;
    assert.deepEqual(costCenter, {
      name: 'costCenter',
      type: 'string',
      multiValued: false,
      description: 'Cost center code, e.g. CC-1200',
      required: false,
      caseExact: false,
      mutability: 'readWrite',
      returned: 'default',
      uniqueness: 'none',
    });
    const registry = createRegistry(declarations);
    const user = registry.resourceType('User');
    assert.deepEqual(
      user.extensions.map((e) => e.schema.id),
      ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', URN_USER],
    );
    const floor = resolveAttribute(user, { schema: URN_USER, attribute: 'OFFICE', subAttribute: 'floor' });
    assert.deepEqual([floor?.inExtension, floor?.target.type], [true, 'integer']);
  });

  it('reports every problem with its location', () => {
    assert.deepEqual(
      problemsOf({
        extensions: [
          {
            resourceType: 'Widget',
            required: true,
            extra: 1,
            schema: {
              id: 'not-a-urn',
              name: '',
              attributes: [
                { name: '1st', type: 'text' },
                { name: 'a', type: 'string', required: true, mutability: 'immutable', uniqueness: 'server' },
                { name: 'A', type: 'complex' },
                { name: 'c', type: 'complex', subAttributes: [{ name: 'deep', type: 'complex', subAttributes: [] }] },
                { name: 'r', type: 'string', referenceTypes: ['User'], subAttributes: [], multiValued: 'yes' },
                { type: 'string', colour: 'red' },
              ],
            },
          },
        ],
      }),
      [
        'extensions[0].extra: unknown key; allowed: "resourceType", "required", "schema"',
        'extensions[0].resourceType: must be one of "User", "Group"',
        'extensions[0].required: true is not supported (scimd does not refuse resources without the extension); use false',
        'extensions[0].schema.id: must be a URN such as "urn:example:scim:schemas:extension:acme:2.0:User"',
        'extensions[0].schema.name: must not be empty',
        'extensions[0].schema.attributes[0].name: must start with a letter and contain only letters, digits, "-" and "_" (RFC 7643 §2.1)',
        'extensions[0].schema.attributes[0].type: must be one of "string", "boolean", "decimal", "integer", "dateTime", "binary", "reference", "complex"',
        'extensions[0].schema.attributes[1].required: true is not supported for extension attributes (scimd checks required core attributes only); use false',
        'extensions[0].schema.attributes[1].mutability: "immutable" is not supported for extension attributes; use "readWrite"',
        'extensions[0].schema.attributes[1].uniqueness: only "none" is supported for extension attributes (scimd enforces uniqueness of userName and Group displayName only)',
        'extensions[0].schema.attributes[2].subAttributes: a complex attribute needs a non-empty array of sub-attributes',
        'extensions[0].schema.attributes[2].name: "A" is declared twice (names ignore case)',
        'extensions[0].schema.attributes[3].subAttributes[0].type: a sub-attribute cannot be complex (RFC 7643 §2.3.8)',
        'extensions[0].schema.attributes[4].referenceTypes: is only allowed with type "reference"',
        'extensions[0].schema.attributes[4].subAttributes: is only allowed with type "complex"',
        'extensions[0].schema.attributes[4].multiValued: must be true or false',
        'extensions[0].schema.attributes[5].colour: unknown key; allowed: "name", "type", "multiValued", "description", "required", "caseExact", "mutability", "returned", "uniqueness", "canonicalValues", "referenceTypes", "subAttributes"',
        'extensions[0].schema.attributes[5].name: is required',
      ],
    );
  });

  it('refuses URNs scimd defines and URNs declared twice', () => {
    const schema = (id: string) => ({
      resourceType: 'Group',
      schema: { id, name: 'n', attributes: [{ name: 'a', type: 'string' }] },
    });
    assert.deepEqual(
      problemsOf({
        extensions: [
          schema('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'),
          schema('URN:ietf:params:scim:schemas:core:2.0:group'),
          schema('urn:x:one'),
          schema('urn:X:ONE'),
        ],
      }),
      [
        'extensions[0].schema.id: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User" is a schema scimd already defines',
        'extensions[1].schema.id: "URN:ietf:params:scim:schemas:core:2.0:group" is a schema scimd already defines',
        'extensions[3].schema.id: "urn:X:ONE" is declared twice',
      ],
    );
  });

  it('refuses files of the wrong shape', () => {
    assert.deepEqual(problemsOf([]), ['(file): must be a JSON object']);
    assert.deepEqual(problemsOf({}), ['(file).extensions: is required']);
    assert.deepEqual(problemsOf({ extensions: {} }), ['extensions: must be an array']);
    assert.deepEqual(problemsOf(file([])), [
      'extensions[0].schema.attributes: must be a non-empty array of attribute definitions',
    ]);
    assert.deepEqual(problemsOf(file([{ name: 'tags', type: 'string', multiValued: true }])), [
      'extensions[0].schema.attributes[0].multiValued: true is supported for complex attributes only: declare a complex attribute with a "value" sub-attribute instead',
    ]);
    assert.deepEqual(problemsOf(file([{ name: 'x', type: 'string', canonicalValues: [1] }])), [
      'extensions[0].schema.attributes[0].canonicalValues: must be an array of strings',
    ]);
    assert.throws(() => parseExtensionFileText('{"extensions": ['), {
      name: 'ExtensionFileError',
      message: /^invalid schema extensions file \(1 problem\):\n {2}\(file\): not valid JSON: /,
    });
    assert.deepEqual(parseExtensionFile({ extensions: [] }), []);
  });

  it('accepts "$ref" only as a sub-attribute name', () => {
    const ref = { name: '$ref', type: 'reference', referenceTypes: ['User'] };
    const ok = parseExtensionFile(
      file([{ name: 'boss', type: 'complex', subAttributes: [{ name: 'value', type: 'string' }, ref] }]),
    );
    assert.deepEqual(
      ok[0]!.schema.attributes[0]!.subAttributes!.map((a) => a.name),
      ['value', '$ref'],
    );
    assert.deepEqual(problemsOf(file([ref])), [
      'extensions[0].schema.attributes[0].name: must start with a letter and contain only letters, digits, "-" and "_" (RFC 7643 §2.1)',
    ]);
  });
});
