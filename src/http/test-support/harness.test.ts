/**
 * Issue #14.3: the backend is a required parameter of the harness. A suite that forgets it must
 * fail loudly rather than run on a backend picked for it (which is how a test once lost its
 * PostgreSQL coverage by living in the wrong folder).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachBackend } from '../../store/test-support/backends.js';
import { type HarnessOptions, startHarness } from './harness.js';

it('startHarness without a backend throws, naming describeEachBackend', async () => {
  await assert.rejects(() => startHarness({} as HarnessOptions), {
    name: 'TypeError',
    message:
      'startHarness needs { backend }: declare the suite with describeEachBackend (src/store/test-support/backends.ts)',
  });
  await assert.rejects(() => startHarness(undefined as unknown as HarnessOptions), { name: 'TypeError' });
});

describeEachBackend('the harness', (backend) => {
  it('opens its store on the backend it is given', async () => {
    const h = await startHarness({ backend });
    try {
      assert.equal(h.store.capabilities.sharedAcrossProcesses, backend.name === 'postgres');
      const res = await h.request('GET', '/scim/v2/Users');
      assert.equal(res.statusCode, 200, res.body);
    } finally {
      await h.close();
    }
  });

  it('with onDisk, keeps SQLite in a file (durable) and PostgreSQL as it is', async () => {
    const h = await startHarness({ backend, onDisk: true });
    try {
      assert.equal(h.store.capabilities.durable, true);
      const res = await h.request('GET', '/scim/v2/Users');
      assert.equal(res.statusCode, 200, res.body);
    } finally {
      await h.close();
    }
  });
});
