import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, it } from 'node:test';
import { describeEachBackend } from '../store/test-support/backends.js';
import { type Harness, scimError, startHarness } from './test-support/harness.js';

const MiB = 1024 * 1024;

describeEachBackend('an oversize body reaches the client as a 413, not a reset (issue #13.6)', (backend) => {
  let h: Harness;
  let base: string;
  before(async () => {
    h = await startHarness({ backend, config: { maxBodyBytes: MiB, bulkMaxPayloadBytes: MiB } });
    base = await h.app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(() => h.close());

  const send = (url: string, bytes: number) => {
    const body = JSON.stringify({ userName: 'big@x.example', title: 'x'.repeat(bytes) });
    return fetch(`${base}${url}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/scim+json' },
      body,
    });
  };

  for (const size of [2 * 1000 * 1000, 10 * 1000 * 1000]) {
    it(`Node's fetch sending ${size / 1e6} MB twenty times sees the 413 SCIM error every time`, async () => {
      const outcomes: string[] = [];
      for (let i = 0; i < 20; i++) {
        try {
          const res = await send('/scim/v2/Users', size);
          const body = (await res.json()) as Record<string, unknown>;
          assert.deepEqual(
            body,
            scimError(413, undefined, 'The request body is larger than the server accepts (SCIMD_MAX_BODY_BYTES).'),
          );
          outcomes.push(String(res.status));
        } catch (error) {
          outcomes.push(`${(error as Error).message}: ${String((error as { cause?: unknown }).cause)}`);
        }
      }
      assert.deepEqual(outcomes, Array(20).fill('413'));
    });
  }

  /**
   * Like .NET's HttpClient: write the whole request, and only then read. The client reads nothing
   * while it writes, so a server that closes early leaves the 413 unread when its reset arrives.
   */
  const writeThenRead = (url: string, bytes: number) =>
    new Promise<string>((resolve) => {
      const port = new URL(base).port;
      const socket = connect(Number(port), '127.0.0.1');
      const body = Buffer.alloc(bytes, 0x20);
      const head = [
        `POST ${url} HTTP/1.1`,
        'Host: 127.0.0.1',
        `Authorization: Bearer ${h.token}`,
        'Content-Type: application/scim+json',
        `Content-Length: ${bytes}`,
        '',
        '',
      ].join('\r\n');
      let answer = '';
      socket.pause();
      socket.on('data', (chunk) => {
        answer += chunk.toString('latin1');
      });
      socket.on('error', (error) => resolve(`${(error as NodeJS.ErrnoException).code}: ${answer.split('\r\n')[0]}`));
      socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
      socket.write(head);
      socket.write(body, () => {
        // Everything is written: give the server a moment to act on it, then read.
        setTimeout(() => socket.resume(), 50);
      });
    });

  it('a client that writes the whole body before reading still gets the 413', async () => {
    const outcomes: string[] = [];
    for (let i = 0; i < 5; i++) outcomes.push(await writeThenRead('/scim/v2/Users', 4 * MiB));
    assert.deepEqual(outcomes, Array(5).fill('HTTP/1.1 413 Payload Too Large'));
  });

  it('does the same for /Bulk, whose 413 names maxPayloadSize', async () => {
    const outcomes: number[] = [];
    for (let i = 0; i < 5; i++) outcomes.push((await send('/scim/v2/Bulk', 3 * MiB)).status);
    assert.deepEqual(outcomes, Array(5).fill(413));
  });

  it('chunked bodies without a length get the 413 too', async () => {
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 3 * MiB) controller.close();
        else {
          sent += chunk.length;
          controller.enqueue(chunk);
        }
      },
    });
    const res = await fetch(`${base}/scim/v2/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/scim+json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    assert.equal(res.status, 413);
  });
});
