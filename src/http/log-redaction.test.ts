import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bodyForLog, guessIdentityProvider, REDACTED, redactText, redactValue, truncate } from './log-redaction.js';

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
