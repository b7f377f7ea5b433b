/**
 * The per-tenant and per-address token buckets of src/http/rate-limits.ts live in an LRU
 * (token-bucket.ts) of at most TENANT_KEYS / ADDRESS_KEYS keys: driving more tenants (or failing
 * addresses) through it forgets the least recently seen one instead of growing. A forgotten
 * tenant starts with a full bucket, so the bound is sized far above the tenants one process
 * serves at once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify, { type FastifyRequest } from 'fastify';
import { ADDRESS_KEYS, registerRequestLimits, TENANT_KEYS } from './rate-limits.js';

const HOUR = 3_600_000;

/** Just what the limits read of a request: its tenant, its address, its route's config. */
const requestOf = (tenantId: string, ip = '192.0.2.1') =>
  ({ scimContext: { tenantId }, ip, routeOptions: { config: {} } }) as unknown as FastifyRequest;

const refused = async (check: Promise<unknown>) =>
  check.then(
    () => false,
    (error: { status?: number }) => error.status === 429,
  );

describe('rate limit stores with many tenants', () => {
  it(`keeps every tenant's bucket up to ${TENANT_KEYS.toLocaleString('en-US')} tenants, then forgets the least recently seen`, async () => {
    const app = Fastify();
    const limits = await registerRequestLimits(app, { tenantRateLimit: { max: 1, windowMs: HOUR } });
    await app.ready();
    await limits.tenant(requestOf('first'));
    assert.equal(await refused(limits.tenant(requestOf('first'))), true, 'the second request finds the bucket empty');
    // 10,000 other tenants: the first one's bucket is still kept.
    for (let t = 0; t < 10_000; t++) await limits.tenant(requestOf(`tenant-${t}`));
    assert.equal(await refused(limits.tenant(requestOf('first'))), true);
    // TENANT_KEYS other tenants since it was last seen: its bucket was dropped, not kept.
    for (let t = 10_000; t < 10_000 + TENANT_KEYS; t++) await limits.tenant(requestOf(`tenant-${t}`));
    assert.equal(
      await refused(limits.tenant(requestOf('first'))),
      false,
      'a full bucket again: the store did not grow',
    );
    await app.close();
  });

  it(`keeps at most ${ADDRESS_KEYS.toLocaleString('en-US')} failing addresses`, async () => {
    const app = Fastify();
    const limits = await registerRequestLimits(app, { authFailureLimit: { max: 1, windowMs: HOUR } });
    await app.ready();
    const address = (n: number) => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
    assert.equal(await limits.authFailures.failed(requestOf('', address(0))), undefined);
    assert.equal(typeof (await limits.authFailures.failed(requestOf('', address(0)))), 'number');
    for (let n = 1; n <= ADDRESS_KEYS; n++) await limits.authFailures.failed(requestOf('', address(n)));
    assert.equal(
      await limits.authFailures.failed(requestOf('', address(0))),
      undefined,
      'forgotten: a full bucket again',
    );
    await app.close();
  });
});
