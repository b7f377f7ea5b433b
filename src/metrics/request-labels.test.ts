import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { identityProviderLabeler, methodLabel, routeLabel, statusClass } from './request-labels.js';

describe('request labels', () => {
  it('status classes', () => {
    assert.deepEqual([101, 200, 201, 204, 304, 400, 401, 404, 409, 412, 413, 429, 500, 503].map(statusClass), [
      '1xx',
      '2xx',
      '2xx',
      '2xx',
      '3xx',
      '4xx',
      '4xx',
      '4xx',
      '4xx',
      '4xx',
      '4xx',
      '4xx',
      '5xx',
      '5xx',
    ]);
  });

  it('the route template as Fastify matched it, or "unmatched"; never a URL', () => {
    assert.equal(routeLabel('/t/:slug/scim/v2/Users/:id'), '/t/:slug/scim/v2/Users/:id');
    assert.equal(routeLabel(undefined), 'unmatched');
    assert.equal(routeLabel(''), 'unmatched');
  });

  it('known methods by name, any other token as "other"', () => {
    assert.deepEqual(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'PROPFIND', 'X'.repeat(100)].map(methodLabel), [
      'GET',
      'POST',
      'PUT',
      'PATCH',
      'DELETE',
      'other',
      'other',
    ]);
  });

  it('the identity provider guess, remembered per User-Agent and bounded', () => {
    let guesses = 0;
    const idp = identityProviderLabeler((ua) => {
      guesses++;
      return ua?.includes('Azure') ? 'entra' : null;
    });
    assert.equal(idp('Azure AD SCIM'), 'entra');
    assert.equal(idp('Azure AD SCIM'), 'entra');
    assert.equal(guesses, 1);
    assert.equal(idp(undefined), 'unknown');
    assert.equal(idp('curl/8'), 'unknown');
    // A client sending a new User-Agent each time never grows the memory past its bound.
    for (let i = 0; i < 10_000; i++) assert.equal(idp(`agent-${i}`), 'unknown');
    assert.equal(guesses, 10_002);
  });
});
