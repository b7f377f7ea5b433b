import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../config/config.js';
import { formatIp, parseIp, parseNetwork } from './ip-address.js';
import { createTargetPolicy, parseAllowList, refusalOf } from './target-policy.js';
import { INTERNAL_TARGETS, PUBLIC_TARGETS } from './test-support/internal-targets.js';

describe('webhook target policy', () => {
  it('the WHATWG URL parser normalises numeric host spellings before the policy sees them', () => {
    const hosts = ['0x7f000001', '2130706433', '017700000001', '127.1', '0177.0.0.1', '0x7f.1', '①②⑦.0.0.1'];
    for (const host of hosts) assert.equal(new URL(`http://${host}/`).hostname, '127.0.0.1', host);
    assert.equal(new URL('http://0/').hostname, '0.0.0.0');
    assert.equal(new URL('http://[::ffff:169.254.169.254]/').hostname, '[::ffff:a9fe:a9fe]');
    assert.equal(new URL('http://[64:ff9b::10.0.0.1]/').hostname, '[64:ff9b::a00:1]');
  });

  it(`refuses all ${INTERNAL_TARGETS.length} internal URL forms by default, each with its reason`, () => {
    const policy = createTargetPolicy();
    for (const [url, reason] of INTERNAL_TARGETS) assert.deepEqual(policy.checkUrl(url), { ok: false, reason }, url);
  });

  it('accepts public targets; host names still need their resolved addresses checked', () => {
    const policy = createTargetPolicy();
    const verdicts = PUBLIC_TARGETS.map((url) => {
      const verdict = policy.checkUrl(url);
      return verdict.ok ? [verdict.host, verdict.settled] : verdict.reason;
    });
    assert.deepEqual(verdicts, [
      ['hooks.example.com', false],
      ['hooks.example.com', false],
      ['93.184.215.14', true],
      ['2606:4700::1111', true],
      ['::ffff:5db8:d70e', true],
      ['172.32.0.1', true],
      ['100.128.0.1', true],
    ]);
  });

  it('refuses other schemes, credentials and non-URLs', () => {
    const policy = createTargetPolicy(['example.com']);
    assert.deepEqual(policy.checkUrl('ftp://example.com/'), {
      ok: false,
      reason: 'the scheme ftp: is not http or https',
    });
    assert.deepEqual(policy.checkUrl('file:///etc/passwd'), {
      ok: false,
      reason: 'the scheme file: is not http or https',
    });
    assert.deepEqual(policy.checkUrl('https://u:p@example.com/'), {
      ok: false,
      reason: 'the URL contains credentials',
    });
    assert.deepEqual(policy.checkUrl('example.com/hook'), { ok: false, reason: 'not an absolute URL' });
  });

  it('checks every resolved address, naming the host and the address', () => {
    const policy = createTargetPolicy();
    assert.equal(policy.checkResolved('hooks.example.com', '93.184.215.14'), null);
    assert.equal(policy.checkResolved('hooks.example.com', '2606:4700::1111'), null);
    assert.equal(
      policy.checkResolved('hooks.example.com', '127.0.0.1'),
      'hooks.example.com resolves to 127.0.0.1, a loopback address (127.0.0.0/8)',
    );
    assert.equal(
      policy.checkResolved('rebind.example', '::ffff:10.0.0.1'),
      'rebind.example resolves to ::ffff:a00:1, the IPv4-mapped form of 10.0.0.1, a private address (10.0.0.0/8)',
    );
    assert.equal(
      policy.checkResolved('x.example', 'fe80::1%eth0'),
      'x.example resolves to fe80::1, a link-local address (fe80::/10)',
    );
    assert.equal(
      policy.checkResolved('x.example', 'nonsense'),
      'x.example resolves to "nonsense", which is not an IP address',
    );
  });

  it('lets the allow list open host names (whatever they resolve to), addresses and networks', () => {
    const policy = createTargetPolicy([' Hooks.Internal. ', '10.1.0.0/16', '[fd00::]/8', '127.0.0.1', '']);
    const ok = (url: string) => policy.checkUrl(url).ok;
    assert.deepEqual(
      [
        'http://hooks.internal/x',
        'http://10.1.255.255/',
        'http://[fd12::1]/',
        'http://127.0.0.1:9/',
        'http://[::ffff:127.0.0.1]/',
      ].map(ok),
      [true, true, true, true, true],
    );
    assert.deepEqual(
      ['http://other.internal/', 'http://10.2.0.1/', 'http://[fe80::1]/', 'http://127.0.0.2/', 'http://localhost/'].map(
        ok,
      ),
      [false, false, false, false, false],
    );
    assert.equal(
      policy.checkResolved('hooks.internal', '169.254.169.254'),
      null,
      'an allowed name may resolve anywhere',
    );
    assert.equal(policy.checkResolved('hooks.example.com', '10.1.2.3'), null);
    assert.equal(
      policy.checkResolved('hooks.example.com', '10.2.0.1'),
      'hooks.example.com resolves to 10.2.0.1, a private address (10.0.0.0/8)',
    );
  });

  it('takes every entry config.ts accepts, in the spelling config.ts gives it', () => {
    const { webhookAllowTargets } = loadConfig({
      SCIMD_WEBHOOK_ALLOW_TARGETS:
        'Hooks.Internal.,127.0.0.1,10.0.0.0/8,[::1],FD00:0::/8,a_b.example,::ffff:10.9.0.1/128',
    });
    const policy = createTargetPolicy(webhookAllowTargets);
    const urls = [
      'http://hooks.internal/',
      'http://127.0.0.1/',
      'http://10.9.9.9/',
      'http://[::1]/',
      'http://[fd00::7]/',
      'http://a_b.example/',
      'http://[::ffff:10.9.0.1]/',
    ];
    assert.deepEqual(
      urls.map((url) => policy.checkUrl(url).ok),
      urls.map(() => true),
    );
  });

  it('refuses bad allow-list entries', () => {
    for (const entry of ['10.0.0.0/33', '::1/129', 'http://x', 'a b', '10.0.0.0/8/8']) {
      assert.throws(() => parseAllowList([entry]), /invalid webhook allow-list entry/, entry);
    }
    assert.deepEqual(parseAllowList(['Example.COM', '::1']).names, new Set(['example.com']));
  });
});

describe('IP addresses', () => {
  it('parses canonical IPv4 and IPv6 text and formats it back per RFC 5952', () => {
    const cases: [string, string][] = [
      ['1.2.3.4', '1.2.3.4'],
      ['::', '::'],
      ['::1', '::1'],
      ['[2001:DB8:0:0:1:0:0:1]', '2001:db8::1:0:0:1'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['::ffff:1.2.3.4', '::ffff:102:304'],
      ['fe80::1%25eth0', 'fe80::1'],
      ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
    ];
    for (const [text, canonical] of cases) assert.equal(formatIp(parseIp(text)!), canonical, text);
    for (const bad of [
      '1.2.3',
      '1.2.3.256',
      '0x7f.0.0.1',
      '1::2::3',
      '1:2:3:4:5:6:7:8:9',
      '12345::',
      ':::',
      'g::1',
      '',
    ]) {
      assert.equal(parseIp(bad), undefined, bad);
    }
  });

  it('classifies special ranges, and allows public unicast', () => {
    const of = (text: string) => refusalOf(parseIp(text)!);
    assert.equal(of('8.8.8.8'), null);
    assert.equal(of('2a00:1450::1'), null);
    assert.equal(of('::ffff:8.8.8.8'), null);
    assert.equal(of('64:ff9b::8.8.8.8'), null);
    assert.equal(of('172.15.255.255'), null);
    assert.equal(of('100.63.255.255'), null);
    assert.equal(of('4000::1'), '4000::1 is a reserved address (outside 2000::/3)');
    assert.equal(of('100.127.255.255'), '100.127.255.255 is a carrier-grade NAT address (100.64.0.0/10)');
    assert.deepEqual(parseNetwork('10.0.0.0/8'), { version: 4, base: 0x0a000000n, prefix: 8 });
  });
});
