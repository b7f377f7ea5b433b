import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  bodyForLog,
  guessIdentityProvider,
  looksLikeSecret,
  MAX_REDACTION_DEPTH,
  REDACTED,
  redactFilter,
  redactText,
  redactValue,
  TOO_DEEP,
  truncate,
} from './log-redaction.js';
import { redactUrl } from './url-redaction.js';

const TOKEN = `scimd_${'A1b2'.repeat(10)}xyz`;

describe('redactValue', () => {
  it('replaces password and other secret-named attributes at any depth', () => {
    assert.deepEqual(
      redactValue({
        userName: 'alice',
        password: 'hunter2',
        'urn:example:ext': { apiKey: 'k', nested: [{ Password: 'p', clientSecret: 's', note: 'ok' }] },
        accessToken: 't',
      }),
      {
        userName: 'alice',
        password: REDACTED,
        'urn:example:ext': { apiKey: REDACTED, nested: [{ Password: REDACTED, clientSecret: REDACTED, note: 'ok' }] },
        accessToken: REDACTED,
      },
    );
  });

  it('replaces the value of PATCH operations whose path names a secret', () => {
    const patch = {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        { op: 'replace', path: 'password', value: 'hunter2' },
        { op: 'Replace', path: 'urn:ietf:params:scim:schemas:core:2.0:User:password', value: 'x' },
        { op: 'add', path: 'emails[type eq "work"].value', value: 'a@b.c' },
        { op: 'replace', value: { password: 'y', displayName: 'A' } },
      ],
    };
    assert.deepEqual((redactValue(patch) as typeof patch).Operations, [
      { op: 'replace', path: 'password', value: REDACTED },
      { op: 'Replace', path: 'urn:ietf:params:scim:schemas:core:2.0:User:password', value: REDACTED },
      { op: 'add', path: 'emails[type eq "work"].value', value: 'a@b.c' },
      { op: 'replace', value: { password: REDACTED, displayName: 'A' } },
    ]);
  });

  it('replaces token-shaped strings anywhere', () => {
    assert.equal(redactText(`see ${TOKEN} and Bearer abc.def-ghi_123 end`), `see ${REDACTED} and ${REDACTED} end`);
    assert.equal(redactText('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw!'), `${REDACTED}!`);
    assert.deepEqual(redactValue({ displayName: `x ${TOKEN}` }), { displayName: `x ${REDACTED}` });
    assert.equal(redactText('Basic Engineering Team'), 'Basic Engineering Team');
    assert.equal(redactText(`admin scimd_admin_${'x'.repeat(43)}`), `admin ${REDACTED}`);
  });

  it('replaces bearer credentials written into a URL, and tokens sent as keys', () => {
    assert.equal(redactText('/scim/v2/Users?auth=Bearer%20abc.def-ghi_123&x=1'), `/scim/v2/Users?auth=${REDACTED}&x=1`);
    assert.equal(redactText('/scim/v2/Users?auth=Bearer+abc%2Fdef%3D123'), `/scim/v2/Users?auth=${REDACTED}`);
    assert.deepEqual(redactValue({ [TOKEN]: 1, ok: { [`Bearer ${'a'.repeat(20)}`]: 2 } }), {
      [REDACTED]: 1,
      ok: { [REDACTED]: 2 },
    });
    assert.equal(bodyForLog({ [TOKEN]: true }, 1000), `{"${REDACTED}":true}`);
  });
});

describe('bodyForLog', () => {
  it('serialises JSON redacted, keeps other text redacted, and cuts long bodies', () => {
    assert.equal(bodyForLog({ password: 'p', a: 1 }, 1000), `{"password":"${REDACTED}","a":1}`);
    assert.equal(bodyForLog('{"token":"x"}', 1000), `{"token":"${REDACTED}"}`);
    assert.equal(bodyForLog(`not json ${TOKEN}`, 1000), `not json ${REDACTED}`);
    assert.equal(bodyForLog(undefined, 1000), null);
    assert.equal(bodyForLog('', 1000), null);
    assert.equal(bodyForLog({ a: 1 }, 0), null);
    assert.equal(bodyForLog({ text: 'x'.repeat(100) }, 20), '{"text":"xxxxxxxxxxx…[truncated 91 bytes]');
  });

  it('never cuts a character in half', () => {
    assert.equal(truncate('ééé', 3), 'é…[truncated 4 bytes]');
    assert.equal(truncate('abc', 3), 'abc');
  });
});

describe('guessIdentityProvider', () => {
  it('recognises the identity providers by their User-Agent', () => {
    assert.equal(guessIdentityProvider('Microsoft Azure AD SCIM provisioning 1.0.0'), 'entra');
    assert.equal(guessIdentityProvider('Azure AD SCIM Provisioning'), 'entra');
    assert.equal(guessIdentityProvider('Okta SCIM Client 1.0.0'), 'okta');
    assert.equal(guessIdentityProvider('OneLogin SCIM'), 'onelogin');
    assert.equal(guessIdentityProvider('JumpCloud SCIM 2.0'), 'jumpcloud');
    assert.equal(guessIdentityProvider('Google-Workspace-Provisioning'), 'google');
    assert.equal(guessIdentityProvider('curl/8.5.0'), null);
    assert.equal(guessIdentityProvider(undefined), null);
  });
});

// ---------------------------------------------------------------------------------------------
// The fast path against the slow one. What follows the reference is the algorithm bodyForLog
// had before it got a fast path (parse, copy with secrets replaced, serialise), copied here
// unchanged but for the redaction rules added since (issue 12.8, below): bodyForLog must give exactly its output for any body, except that JSON text
// without anything to redact may be kept with its own spacing (the same value, see
// assertAsSlowPath).
// ---------------------------------------------------------------------------------------------

// Since issue 12.8 the slow path also redacts `pwd`/`passwd`/`accessKey` names, basic
// credentials and JWTs in text, keys that look like random secrets, every member but `op` and
// `path` of an operation on a secret, and the compared values of a filter naming a secret; the
// reference follows (looksLikeSecret and redactFilter are pinned by their own tests below).
const REFERENCE_SECRET_NAME =
  /pass(word|phrase|wd)|pwd|secret|token|credential|api[-_]?key|private[-_]?key|access[-_]?key|authorization/i;
// Since the fast path: bearer credentials in URL encodings, and tokens in keys, are redacted too.
const REFERENCE_SECRET_TEXT =
  /scimd_(admin_)?[0-9A-Za-z]{10,}|whsec_[A-Za-z0-9+/=]{10,}|\bBearer(?:\s|%20|\+)+[A-Za-z0-9._~+/=%-]{8,}|\bBasic(?:\s|%20|\+)+[A-Za-z0-9+/=%]{6,}|\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/gi;

function referenceRedactText(text: string): string {
  return text.replace(REFERENCE_SECRET_TEXT, (match) => {
    const basic = /^Basic(?:\s|%20|\+)+(.*)$/is.exec(match);
    if (basic === null) return REDACTED;
    let encoded: string;
    try {
      encoded = decodeURIComponent(basic[1]!);
    } catch {
      return REDACTED;
    }
    const decoded = Buffer.from(encoded, 'base64').toString('latin1');
    return /^[\x20-\x7e]+:[\x20-\x7e]*$/.test(decoded) ? REDACTED : match;
  });
}

function referenceLastAttribute(path: string): string {
  const withoutFilters = path.replace(/\[[^\]]*\]/g, '');
  const segments = withoutFilters.split(/[.:]/);
  return segments.at(-1) ?? path;
}

function referenceRedactValue(value: unknown): unknown {
  if (typeof value === 'string') return referenceRedactText(value);
  if (Array.isArray(value)) return value.map(referenceRedactValue);
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  const secretPath =
    typeof object['op'] === 'string' &&
    typeof object['path'] === 'string' &&
    REFERENCE_SECRET_NAME.test(referenceLastAttribute(object['path']));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(object)) {
    const name = looksLikeSecret(key) ? REDACTED : referenceRedactText(key);
    if (REFERENCE_SECRET_NAME.test(key) || (secretPath && key !== 'op' && key !== 'path')) out[name] = REDACTED;
    else if (typeof v === 'string' && (key === 'path' || key.toLowerCase() === 'filter')) {
      out[name] = redactFilter(referenceRedactText(v));
    } else out[name] = referenceRedactValue(v);
  }
  return out;
}

function referenceTruncate(text: string, maxBytes: number): string {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= maxBytes) return text;
  const cut = Buffer.from(text, 'utf8')
    .subarray(0, maxBytes)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
  return `${cut}…[truncated ${bytes - Buffer.byteLength(cut, 'utf8')} bytes]`;
}

function referenceBodyForLog(body: unknown, maxBytes: number): string | null {
  if (body === undefined || body === null || body === '' || maxBytes <= 0) return null;
  let text: string;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    const raw = String(body);
    try {
      text = JSON.stringify(referenceRedactValue(JSON.parse(raw)));
    } catch {
      text = referenceRedactText(raw);
    }
  } else {
    text = JSON.stringify(referenceRedactValue(body));
  }
  return referenceTruncate(text, maxBytes);
}

/**
 * bodyForLog gives the slow path's output, or it kept a JSON text as received: then the slow
 * path would have stored the same value (nothing redacted), and the text is cut the same way.
 */
function assertAsSlowPath(body: unknown, maxBytes: number): void {
  const fast = bodyForLog(body, maxBytes);
  const slow = referenceBodyForLog(body, maxBytes);
  if (fast === slow) return;
  const raw = String(body);
  assert.equal(fast, referenceTruncate(raw, maxBytes), `kept as received: ${raw}`);
  // The same value: written out by JSON.stringify, the text is what the slow path stores.
  assert.equal(JSON.stringify(JSON.parse(raw)), referenceBodyForLog(body, Number.MAX_SAFE_INTEGER), raw);
}

/** A User as scimd renders it (its meta.version holds escaped quotes). */
const RENDERED_USER = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
  id: 'e9948ee5-403b-4797-9311-d0046b93b3fd',
  externalId: 'jdoe',
  userName: 'jdoe@contoso.com',
  active: true,
  emails: [{ primary: true, type: 'work', value: 'jdoe@contoso.com' }],
  name: { givenName: 'Jane', familyName: 'Doe', formatted: 'Jane Doe' },
  displayName: 'Jane Doe',
  phoneNumbers: [{ type: 'work', value: '+1 555 0100' }],
  meta: {
    resourceType: 'User',
    created: '2026-01-15T10:00:00.000Z',
    lastModified: '2026-01-15T10:00:00.000Z',
    location: 'https://scim.example.com/t/acme/scim/v2/Users/e9948ee5-403b-4797-9311-d0046b93b3fd',
    version: 'W/"1"',
  },
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { employeeNumber: '12345', costCenter: 'CC-42' },
};
const LIST_RESPONSE = {
  schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
  totalResults: 1,
  startIndex: 1,
  itemsPerPage: 1,
  Resources: [RENDERED_USER],
};

/** Bodies as values (request bodies as JSON.parse makes them), each also tried as text. */
const VALUES: readonly unknown[] = [
  LIST_RESPONSE,
  RENDERED_USER,
  { ...RENDERED_USER, password: 'Hunter2!' },
  { userName: 'alice', 'urn:example:ext': { apiKey: 'k', nested: [{ Password: 'p', clientSecret: 's' }] } },
  {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [
      { op: 'Replace', path: 'displayName', value: 'Jane' },
      { op: 'Add', path: 'emails[type eq "work"].value', value: 'a@b.c' },
      { op: 'replace', path: 'name.givenName', value: 'J' },
    ],
  },
  { Operations: [{ op: 'replace', path: 'password', value: 'N3w!' }] },
  { Operations: [{ op: 'replace', path: 'urn:ietf:params:scim:schemas:core:2.0:User:password', value: 'x' }] },
  { Operations: [{ op: 'replace', path: 'pass[type eq "x"]word', value: 'joined by the filter' }] },
  { Operations: [{ op: 'replace', path: 'x[a]tok[b]en', value: 'joined twice' }] },
  { Operations: [{ value: 'value before path', op: 'replace', path: 'pass[x]word' }] },
  { Operations: [{ op: 'replace', path: 'members[value eq "1"]', value: [{ value: '1' }] }] },
  { Operations: [{ op: 'replace', value: { password: 'y', displayName: 'A' } }] },
  { path: 'pass[x]word', value: 'not an operation: no op' },
  { displayName: TOKEN },
  { displayName: `x ${TOKEN} y`, title: `scimd_admin_${'x'.repeat(43)}` },
  { note: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
  { note: 'whsec_abc/def+ghi=jk' },
  { note: 'Bearer abc.def-ghi_123' },
  { note: 'Bearer\tabcdefghij', other: 'Bearer\nabcdefghij' },
  { note: 'x\nBearer abcdefghij', n2: 'x\bBearer abcdefghij', n3: 'xBearer abcdefghij' },
  { note: '"Bearer abcdefghij"', n2: '\\Bearer abcdefghij' },
  { note: 'Basic Engineering Team', tokenless: 'token ring', s: 'my secret' },
  { [TOKEN]: 'a token as a key' },
  { path: 'C:\\temp\\', quote: 'say "hi"', both: '\\"', tail: 'x\\' },
  { emoji: '😀 ok', cjk: '日本語', latin: 'straße', sep: '\u2028\u2029', ctrl: '\u0000\u001f\u007f' },
  { lone: '\ud800', low: 'x\udc00y' },
  { n: [0, -1, 123456789012345, 1234567890123456, 0.5, -0.25, 1e21, 1e-7, 5e-324, Number.MAX_SAFE_INTEGER] },
  { b: 1, 2: 'integer keys first', a: [true, false, null] },
  JSON.parse('{"__proto__":{"password":"x"},"a":1}'),
  JSON.parse('{"__proto__":1,"a":1}'),
  { toString: 'inherited names', constructor: 'are fine', hasOwnProperty: 1 },
  [],
  {},
  [[[]], {}],
  'a string body',
  `a string body with ${TOKEN}`,
  42,
  true,
  { big: 'x'.repeat(20000) },
  { big: 'é'.repeat(9000), tail: '😀'.repeat(100) },
];

/** Bodies received as text: not JSON, or JSON as JSON.stringify would not write it. */
const TEXTS: readonly string[] = [
  'not json',
  `not json ${TOKEN}`,
  'Bearer abcdefghijk',
  '{"a":',
  '"unterminated',
  '{"a":1}}',
  '\\',
  '{"a":"b\\"}',
  '{ "password" : "x" }',
  '{\n  "userName": "alice",\n  "active": true\n}',
  ' {"a":1}',
  '{"a":1} ',
  '{"a":1,"a":2}',
  '{"a":{"b":1},"a":{"b":2}}',
  '{"x":{"a":1},"y":{"a":1}}',
  '[{"a":1},{"a":1}]',
  '{"b":1,"2":0}',
  '{"01":0}',
  '{"__proto__":{"a":1},"b":2}',
  '{"__proto__":null}',
  '{"p\\u0061ssword":"hunter2"}',
  '{"a":"p\\u0061ssword"}',
  '{"a":"scimd\\u005f' + 'A'.repeat(20) + '"}',
  '{"a":"whsec_abc\\/defghijklm"}',
  '{"a":"Bearer\\nabcdefghij"}',
  '{"a":"x\\tBearer abcdefghij"}',
  '{"a":"\\/"}',
  '{"a":"\\ud83d\\ude00"}',
  '{"a":"\\ud800"}',
  '{"a":"\\\\"}',
  '{"a":"\\\\\\""}',
  '{"a":"\\"","b":"\\\\","c":1}',
  '{"op":"replace","path":"pass[x]word","value":"v"}',
  '{"op":"replace","path" : "pass[x]word","value":"v"}',
  '{"op":"replace","path":"a\\"b[x]","value":"v"}',
  '[1.0]',
  '[1e2]',
  '[-0]',
  '[0.1]',
  '[12345678901234567890]',
  '[123456789012345]',
  '[01]',
  '[-]',
  '1',
  '-0',
  '"a"',
  'null',
  'true',
  '[]',
  '{}',
  '{"":1,"":2}',
  '{"a":"\ud800"}',
  '{"a":"😀"}',
  // An escaped quote or backslash taken for the end of a string would hide what follows.
  '{"v":"\\"","n":1.50,"w":"\\""}',
  '{"v":"\\\\","n":1.50,"w":"\\\\"}',
  '{"v":"\\"","a":1,"a":2,"w":"\\""}',
  '{"v":"\\\\","a":1,"a":2,"w":"\\\\"}',
  '{"v":"\\"", "w":"\\""}',
];

const MAX_BYTES = [16384, 4096, 100, 40, 7, 1];

describe('bodyForLog against the slow path', () => {
  it('gives what the slow path gives, for bodies as values and as text', () => {
    for (const value of VALUES) {
      const texts = [
        JSON.stringify(value),
        JSON.stringify(value, null, 2),
        JSON.stringify(value).replace(/p/g, '\\u0070'),
        JSON.stringify(value).replace(/\//g, '\\/'),
      ];
      for (const maxBytes of MAX_BYTES) {
        assert.equal(bodyForLog(value, maxBytes), referenceBodyForLog(value, maxBytes), JSON.stringify(value));
        assert.equal(bodyForLog(texts[0], maxBytes), referenceBodyForLog(texts[0], maxBytes), texts[0]);
        for (const text of texts) {
          assertAsSlowPath(text, maxBytes);
          assertAsSlowPath(Buffer.from(text), maxBytes);
        }
      }
    }
    for (const text of TEXTS) {
      for (const maxBytes of MAX_BYTES) assertAsSlowPath(text, maxBytes);
    }
  });

  it("stores scimd's own responses as they were sent", () => {
    for (const body of [LIST_RESPONSE, RENDERED_USER]) {
      const sent = JSON.stringify(body);
      assert.equal(bodyForLog(sent, 16384), sent);
    }
  });

  /** Pieces that make redaction, escaping or re-serialising matter. */
  const fragment = fc.constantFrom(
    'password',
    'Passphrase',
    'pass',
    'word',
    'token',
    'clientSecret',
    'api-key',
    'apiKey',
    'private_key',
    'Authorization',
    'credentials',
    TOKEN,
    `scimd_admin_${'x'.repeat(43)}`,
    'scimd_',
    'A1b2C3d4E5',
    'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    'whsec_',
    'abc/def+g=',
    'Bearer ',
    'Bearer',
    'bearer',
    'abc.def-ghi_123',
    ' ',
    '\n',
    '\t',
    '\b',
    '"',
    '\\',
    '/',
    '[',
    ']',
    '[type eq "work"]',
    '.',
    ':',
    'é',
    '日本',
    '😀',
    '\ud800',
    '\udc00',
    '\u2028',
    '\u0000',
    '__proto__',
    'path',
    'op',
    'value',
    '0',
    '12',
    '-',
  );
  const text = fc
    .array(fc.oneof({ weight: 3, arbitrary: fragment }, { weight: 1, arbitrary: fc.string({ maxLength: 4 }) }), {
      maxLength: 5,
    })
    .map((pieces) => pieces.join(''));
  const key = fc.oneof(
    text,
    fc.constantFrom('password', 'path', 'op', 'value', '__proto__', '0', '7', '10', 'a', 'id', 'Operations', 'schemas'),
  );
  const path = fc.oneof(
    text,
    fc.constantFrom(
      'password',
      'pass[x]word',
      'x[a]tok[b]en',
      'urn:ietf:params:scim:schemas:core:2.0:User:password',
      'emails[type eq "work"].value',
      'name.givenName',
      'members',
      'apiKey',
    ),
  );
  const { json } = fc.letrec<{ json: unknown; operation: unknown }>((tie) => ({
    json: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      text,
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('json'), { maxLength: 4 }),
      fc.dictionary(key, tie('json'), { maxKeys: 5 }),
      tie('operation'),
    ),
    operation: fc.record(
      { op: fc.constantFrom('replace', 'Replace', 'add', 'remove'), path, value: tie('json') },
      { requiredKeys: ['op'] },
    ),
  }));
  /** Request bodies are what JSON.parse makes of the text sent. */
  const body = json.map((value) => {
    const sent = JSON.stringify(value);
    return sent === undefined ? value : (JSON.parse(sent) as unknown);
  });
  const maxBytes = fc.oneof(fc.constant(16384), fc.integer({ min: 1, max: 200 }));

  it('gives what the slow path gives for generated values', () => {
    fc.assert(
      fc.property(body, maxBytes, (value, max) => {
        // A string is a body received as text (it is never a parsed request body): see above.
        if (typeof value === 'string') assertAsSlowPath(value, max);
        else assert.equal(bodyForLog(value, max), referenceBodyForLog(value, max));
      }),
      { numRuns: 3000 },
    );
  });

  it('gives what the slow path gives for generated texts, JSON or not', () => {
    const jsonText = fc.tuple(body, fc.constantFrom(0, 1, 2, 3)).map(([value, form]) => {
      const compact = JSON.stringify(value) ?? '';
      if (form === 1) return JSON.stringify(value, null, 1) ?? '';
      if (form === 2) return compact.replace(/[pa]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
      if (form === 3) return compact.replace(/\//g, '\\/');
      return compact;
    });
    const jsonish = fc
      .array(
        fc.oneof(
          fragment,
          fc.constantFrom(
            '{',
            '}',
            '[',
            ']',
            ',',
            ':',
            '"',
            '\\"',
            '\\\\',
            '\\u0070',
            '1',
            '-0',
            '1.5',
            'true',
            'null',
          ),
        ),
        { maxLength: 12 },
      )
      .map((pieces) => pieces.join(''));
    fc.assert(
      fc.property(fc.oneof(jsonText, jsonish), maxBytes, (raw, max) => {
        assertAsSlowPath(raw, max);
      }),
      { numRuns: 5000 },
    );
  });

  it('redacts text and cuts it as before', () => {
    const units = fc
      .array(fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0, max: 0xffff })), { maxLength: 40 })
      .map((codes) => String.fromCharCode(...codes));
    fc.assert(
      fc.property(fc.oneof(units, text), fc.integer({ min: -2, max: 130 }), (s, max) => {
        assert.equal(truncate(s, max), referenceTruncate(s, max));
        assert.equal(redactText(s), referenceRedactText(s));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('redaction by what a value looks like, and by more names (#12.8)', () => {
  const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk';
  const OPAQUE = 'Zx81kQp2Lm7Vw3Rt9Yb4Nc6Hd8Jf1Gs5Ae0Ui2Oy';
  const BASIC = Buffer.from('svc:Passw0rd').toString('base64');

  it('replaces pwd, passwd, accessKey and the values of misspelt members of an operation on a secret', () => {
    assert.deepEqual(redactValue({ pwd: 'a', userPasswd: 'b', accessKey: 'c', 'urn:x': { PWD: 'd' } }), {
      pwd: REDACTED,
      userPasswd: REDACTED,
      accessKey: REDACTED,
      'urn:x': { PWD: REDACTED },
    });
    assert.deepEqual(redactValue({ op: 'replace', path: 'password', valu: 'hunter2', Value: 'x' }), {
      op: 'replace',
      path: 'password',
      valu: REDACTED,
      Value: REDACTED,
    });
  });

  it('replaces the compared values of a filter naming a secret, in PATCH paths and filters', () => {
    assert.deepEqual(redactValue({ op: 'remove', path: 'password[value eq "hunter2"]' }), {
      op: 'remove',
      path: `password[value eq "${REDACTED}"]`,
    });
    assert.deepEqual(redactValue({ op: 'remove', path: 'emails[type eq "work" and secret ne 42]' }), {
      op: 'remove',
      path: `emails[type eq "${REDACTED}" and secret ne "${REDACTED}"]`,
    });
    assert.deepEqual(redactValue({ filter: 'pwd eq "x\\"y" and userName eq "a"' }), {
      filter: `pwd eq "${REDACTED}" and userName eq "${REDACTED}"`,
    });
    assert.equal(redactFilter('emails[type eq "work"]'), 'emails[type eq "work"]');
  });

  it('replaces JWTs and basic credentials in text, and keys that look like random secrets', () => {
    assert.equal(redactText(`id ${JWT} end`), `id ${REDACTED} end`);
    assert.equal(redactText(`Basic ${BASIC}`), REDACTED);
    assert.equal(redactText(`x=Basic%20${encodeURIComponent(BASIC)}`), `x=${REDACTED}`);
    assert.equal(redactText('Basic Engineering Team'), 'Basic Engineering Team');
    assert.deepEqual(redactValue({ [OPAQUE]: 'a secret sent as a key', employeeNumberForTheDepartment2024: 1 }), {
      [REDACTED]: 'a secret sent as a key',
      employeeNumberForTheDepartment2024: 1,
    });
    assert.ok(looksLikeSecret(OPAQUE));
    for (const plain of [
      'e9948ee5-403b-4797-9311-d0046b93b3fd',
      'E9948EE5403B47979311D0046B93B3FD',
      'urnIetfParamsScimSchemasExtension20User',
      'A1b2C3d4E5A1b2C3d4E5A1b2C3d4E5A1b2C3d4E5',
      'short1Aa',
    ]) {
      assert.equal(looksLikeSecret(plain), false, plain);
    }
    assert.equal(bodyForLog(JSON.stringify({ [OPAQUE]: 1 }), 1000), `{"${REDACTED}":1}`);
    assert.equal(bodyForLog(`{ "${OPAQUE}" : 1 }`, 1000), `{"${REDACTED}":1}`);
    assert.equal(bodyForLog({ a: { [OPAQUE]: [1] } }, 1000), `{"a":{"${REDACTED}":[1]}}`);
    // scimd's own responses only hold attribute names as keys: their values are still redacted.
    assert.equal(bodyForLog(`{"note":"${TOKEN}"}`, 1000, { clientKeys: false }), `{"note":"${REDACTED}"}`);
  });
});

describe('redaction of deep bodies (#12.4)', () => {
  function nestedArrays(depth: number, password = 'hunter2'): unknown {
    let value: unknown = { password };
    for (let i = 0; i < depth; i++) value = [value];
    return value;
  }

  it('never throws and never recurses without bound: what lies too deep is replaced', () => {
    const deep = nestedArrays(100_000);
    const copy = redactValue(deep);
    let at: unknown = copy;
    let depth = 0;
    while (Array.isArray(at)) {
      at = at[0];
      depth++;
    }
    assert.deepEqual([depth, at], [MAX_REDACTION_DEPTH, TOO_DEEP]);
    const stored = bodyForLog(deep, 1_000_000)!;
    assert.ok(stored.includes(TOO_DEEP) && !stored.includes('hunter2'));
    const text = `${'['.repeat(100_000)}"Bearer abcdefghijkl"${']'.repeat(100_000)}`;
    const fromText = bodyForLog(text, 1_000_000)!;
    assert.ok(fromText.includes(TOO_DEEP) && !fromText.includes('abcdefghijkl'));
    const shallowEnough = nestedArrays(MAX_REDACTION_DEPTH - 1);
    assert.deepEqual(redactValue(shallowEnough), nestedArrays(MAX_REDACTION_DEPTH - 1, REDACTED));
  });
});

describe('redactUrl (#12.8)', () => {
  const OPAQUE = 'Zx81kQp2Lm7Vw3Rt9Yb4Nc6Hd8Jf1Gs5Ae0Ui2Oy';

  it('replaces secret path segments and query values, and keeps the rest as sent', () => {
    assert.equal(redactUrl(`/t/acme/scim/v2/Users/${TOKEN}`), `/t/acme/scim/v2/Users/${REDACTED}`);
    assert.equal(redactUrl(`/t/acme/scim/v2/Users/scimd%5F${'A1b2'.repeat(10)}`), `/t/acme/scim/v2/Users/${REDACTED}`);
    assert.equal(redactUrl(`/t/acme/scim/v2/Users/${OPAQUE}?count=2`), `/t/acme/scim/v2/Users/${REDACTED}?count=2`);
    assert.equal(
      redactUrl(`/scim/v2/Users?access_token=abc&code=${OPAQUE}&startIndex=1`),
      `/scim/v2/Users?access_token=${REDACTED}&code=${REDACTED}&startIndex=1`,
    );
    assert.equal(redactUrl(`/scim/v2/Users?${OPAQUE}`), `/scim/v2/Users?${REDACTED}`);
    assert.equal(
      redactUrl(`/scim/v2/Users?filter=userName%20eq%20%22${TOKEN}%22`),
      `/scim/v2/Users?filter=userName%20eq%20%22${REDACTED}%22`,
    );
    assert.equal(
      redactUrl(`/scim/v2/Users?filter=${encodeURIComponent('password eq "hunter2"')}`),
      `/scim/v2/Users?filter=${encodeURIComponent(`password eq "${REDACTED}"`)}`,
    );
    const plain = '/t/acme/scim/v2/Users/e9948ee5-403b-4797-9311-d0046b93b3fd?attributes=userName,emails&count=10';
    assert.equal(redactUrl(plain), plain);
    assert.equal(redactUrl('/scim/v2/Users?filter=%E0%A4%A'), '/scim/v2/Users?filter=%E0%A4%A');
  });
});
