import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../config/config.js';
import { startServer } from '../server.js';
import { describeEachBackend } from '../store/test-support/backends.js';
import { isValidHost, publicUrlWarning } from './host-header.js';
import { type Harness, scimError, startHarness } from './test-support/harness.js';

describeEachBackend('the Host header when SCIMD_PUBLIC_URL is unset (issue #12.9)', (backend) => {
  let h: Harness;
  let proxied: Harness;
  before(async () => {
    h = await startHarness({ backend, config: { publicUrl: undefined } });
    proxied = await startHarness({ backend, config: { publicUrl: undefined, trustProxy: true } });
  });
  after(async () => {
    await h.close();
    await proxied.close();
  });

  const refused = scimError(
    400,
    undefined,
    'The Host header is not a valid host[:port], so no URL can be built from it; send a plain host name, or have the operator set SCIMD_PUBLIC_URL.',
  );

  it('builds meta.location from a valid host[:port]', async () => {
    for (const host of ['scim.example.com:8443', '127.0.0.1:8080', '[::1]:8080', 'scim_server', 'localhost']) {
      const res = await h.request('POST', '/scim/v2/Users', { userName: `u${host.length}@x.example` }, { host });
      assert.equal(res.statusCode, 201, `${host}: ${res.body}`);
      const location = (res.json().meta as { location: string }).location;
      assert.ok(location.startsWith(`http://${host}/scim/v2/Users/`), location);
    }
  });

  it('refuses any other Host with a 400 and creates nothing', async () => {
    for (const host of ['a b', 'evil.example/#', 'evil.example/x', 'user@evil.example', 'x:99999999', 'a..b', '-a']) {
      const res = await h.request('POST', '/scim/v2/Users', { userName: 'hostile@x.example' }, { host });
      assert.deepEqual(res.json(), refused, host);
      const get = await h.request('GET', '/t/acme/scim/v2/Users', undefined, { host });
      assert.deepEqual(get.json(), refused, host);
    }
    const list = await h.request('GET', '/scim/v2/Users?filter=userName%20eq%20%22hostile@x.example%22');
    assert.equal(list.json().totalResults, 0);
  });

  it('checks forwarded host and scheme the same way behind a trusted proxy', async () => {
    const good = await proxied.request('GET', '/scim/v2/ServiceProviderConfig', undefined, {
      'x-forwarded-host': 'scim.example.com',
      'x-forwarded-proto': 'https',
    });
    assert.equal(
      (good.json().meta as { location: string }).location,
      'https://scim.example.com/scim/v2/ServiceProviderConfig',
    );
    const badHost = await proxied.request('GET', '/scim/v2/Users', undefined, { 'x-forwarded-host': 'evil.example/#' });
    assert.deepEqual(badHost.json(), refused);
    const badProto = await proxied.request('GET', '/scim/v2/Users', undefined, { 'x-forwarded-proto': 'javascript' });
    assert.equal(badProto.statusCode, 400);
  });

  it('still answers strangers with the plain 401', async () => {
    const res = await h.request('GET', '/scim/v2/Users', undefined, { host: 'a b', authorization: '' });
    assert.equal(res.statusCode, 401);
  });

  it('isValidHost accepts host[:port] only', () => {
    assert.equal(isValidHost('example.com.'), true);
    assert.equal(isValidHost('[fe80::1]:443'), true);
    assert.equal(isValidHost(''), false);
    assert.equal(isValidHost(undefined), false);
    assert.equal(isValidHost('example.com:'), false);
    assert.equal(isValidHost('[::1'), false);
  });

  it('warns when serving on a non-loopback address without SCIMD_PUBLIC_URL', () => {
    const warning = publicUrlWarning({ host: '0.0.0.0', publicUrl: undefined });
    assert.match(warning ?? '', /SCIMD_PUBLIC_URL is not set/);
    assert.ok(publicUrlWarning({ host: '10.1.2.3', publicUrl: undefined }));
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) {
      assert.equal(publicUrlWarning({ host, publicUrl: undefined }), undefined, host);
    }
    assert.equal(publicUrlWarning({ host: '0.0.0.0', publicUrl: 'https://scim.example.com' }), undefined);
  });
});

describe('scimd serve and SCIMD_PUBLIC_URL (issue #12.9)', () => {
  const warningsOf = async (env: Record<string, string>) => {
    const lines: string[] = [];
    const stream = { write: (line: string) => lines.push(line) };
    const config = loadConfig({ SCIMD_DATABASE_URL: 'memory:', SCIMD_PORT: '0', SCIMD_METRICS_PORT: '0', ...env });
    const server = await startServer(config, { logger: { stream } });
    await server.close();
    return lines
      .map((line) => JSON.parse(line) as { level: number; msg: string })
      .filter((entry) => entry.level === 40)
      .map((entry) => entry.msg);
  };

  it('logs a warning when listening beyond loopback without SCIMD_PUBLIC_URL', async () => {
    const warnings = await warningsOf({ SCIMD_HOST: '0.0.0.0' });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^SCIMD_PUBLIC_URL is not set while listening on 0\.0\.0\.0/);
  });

  it('stays quiet on loopback or with SCIMD_PUBLIC_URL', async () => {
    assert.deepEqual(await warningsOf({ SCIMD_HOST: '127.0.0.1' }), []);
    assert.deepEqual(await warningsOf({ SCIMD_HOST: '0.0.0.0', SCIMD_PUBLIC_URL: 'https://scim.example.com' }), []);
  });
});
