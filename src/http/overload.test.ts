import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeEachBackend } from '../store/test-support/backends.js';
import { type Harness, scimError, startHarness } from './test-support/harness.js';

const USERS = '/scim/v2/Users';
const shed = (cause: string) => scimError(503, undefined, `The server is overloaded (${cause}); retry in 10 s.`);

describeEachBackend('overload shedding', (backend) => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ backend, overload: { probe: () => true, probeIntervalMs: 60_000 } });
  });
  after(() => h.close());

  it('answers new requests 503 with Retry-After and a SCIM error, strangers and tenants alike', async () => {
    for (const authorization of [`Bearer ${h.token}`, 'Bearer wrong']) {
      const res = await h.request('GET', USERS, undefined, { authorization });
      assert.equal(res.statusCode, 503, res.body);
      assert.equal(res.headers['retry-after'], '10');
      assert.match(String(res.headers['content-type']), /^application\/scim\+json/);
      assert.deepEqual(res.json(), shed('healthCheck'));
    }
  });

  it('keeps /healthz answering 200, and /readyz reports the overload so a load balancer drains', async () => {
    const live = await h.request('GET', '/healthz');
    assert.equal(live.statusCode, 200);
    assert.deepEqual(live.json(), { status: 'ok' });
    const ready = await h.request('GET', '/readyz');
    assert.equal(ready.statusCode, 503);
    assert.equal(ready.headers['retry-after'], '10');
    assert.deepEqual(ready.json(), { status: 'overloaded', detail: 'The server is shedding load (healthCheck).' });
  });

  it('sheds the admin API and the console too, with the same SCIM error', async () => {
    for (const url of ['/admin/v1/tenants', '/console/sign-in']) {
      const res = await h.request('GET', url);
      assert.equal(res.statusCode, 503, url);
      assert.deepEqual(res.json(), shed('healthCheck'));
    }
  });
});

describeEachBackend('overload shedding by heap size', (backend) => {
  let h: Harness;
  before(async () => {
    // Any heap is over one byte: shedding starts with under-pressure's first sample (1 s).
    h = await startHarness({ backend, config: { shedHeapBytes: 1 } });
  });
  after(() => h.close());

  it('starts once the heap is sampled past SCIMD_SHED_HEAP_BYTES', async () => {
    let res = await h.request('GET', USERS);
    for (let tries = 0; res.statusCode !== 503 && tries < 100; tries++) {
      assert.equal(res.statusCode, 200);
      await sleep(50);
      res = await h.request('GET', USERS);
    }
    assert.equal(res.statusCode, 503);
    assert.deepEqual(res.json(), shed('heapUsedBytes'));
    assert.equal((await h.request('GET', '/healthz')).statusCode, 200);
  });
});

describeEachBackend('SCIMD_MAX_IN_FLIGHT', (backend) => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ backend, config: { maxInFlight: 2 } });
  });
  after(() => h.close());

  it('refuses requests past the cap at once, and counts them down when they finish', async () => {
    // Requests whose bodies never finish stay in flight: inject streams them.
    const { PassThrough } = await import('node:stream');
    const bodies = [new PassThrough(), new PassThrough()];
    const pending = bodies.map((payload) =>
      h.app.inject({
        method: 'POST',
        url: USERS,
        payload,
        headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/scim+json' },
      }),
    );
    // Let both reach the body parser.
    await sleep(50);
    const refused = await h.request('GET', USERS);
    assert.equal(refused.statusCode, 503, refused.body);
    assert.equal(refused.headers['retry-after'], '10');
    assert.deepEqual(refused.json(), shed('2 requests in flight, SCIMD_MAX_IN_FLIGHT'));
    assert.equal((await h.request('GET', '/healthz')).statusCode, 200);
    assert.equal((await h.request('GET', '/readyz')).statusCode, 200);
    for (const [i, body] of bodies.entries()) body.end(JSON.stringify({ userName: `u${i}@example.com` }));
    assert.deepEqual(
      (await Promise.all(pending)).map((r) => r.statusCode),
      [201, 201],
    );
    assert.equal((await h.request('GET', USERS)).statusCode, 200);
  });
});
