import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, it } from 'node:test';
import { describeEachBackend } from '../store/test-support/backends.js';
import { type Harness, startHarness } from './test-support/harness.js';

/** Resolves with what the server sent once it closes the connection (never by a clock here). */
function closed(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
  });
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
}

describeEachBackend('slow clients are dropped (issue #12.7)', (backend) => {
  let h: Harness;
  let port: number;
  before(async () => {
    h = await startHarness({
      backend,
      // The request timeout is long here, so each test shows its own timeout at work.
      config: { headersTimeoutMs: 300, bodyTimeoutMs: 300, requestTimeoutMs: 600_000, keepAliveTimeoutMs: 300 },
    });
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    port = (h.app.server.address() as { port: number }).port;
  });
  after(() => h.close());

  it('drops a connection whose headers never finish', async () => {
    const socket = await open(port);
    const done = closed(socket);
    socket.write('GET /scim/v2/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    assert.equal(await done, 'HTTP/1.1 408 Request Timeout');
  });

  it('drops an authenticated request whose body stalls', async () => {
    const socket = await open(port);
    const done = closed(socket);
    socket.write(
      [
        'POST /scim/v2/Users HTTP/1.1',
        'Host: 127.0.0.1',
        `Authorization: Bearer ${h.token}`,
        'Content-Type: application/scim+json',
        'Content-Length: 1000',
        '',
        '{"userName":',
      ].join('\r\n'),
    );
    assert.equal(await done, 'HTTP/1.1 408 Request Timeout');
    const list = await h.request('GET', '/scim/v2/Users');
    assert.equal(list.json().totalResults, 0);
  });

  it('closes an idle keep-alive connection', async () => {
    const socket = await open(port);
    const done = closed(socket);
    socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    assert.equal(await done, 'HTTP/1.1 200 OK');
  });
});

describeEachBackend('the request timeout is the backstop for bodies scimd never reads (issue #12.7)', (backend) => {
  let h: Harness;
  let port: number;
  before(async () => {
    // Only the request timeout is short: nothing else may close the connection.
    h = await startHarness({
      backend,
      config: { headersTimeoutMs: 600, requestTimeoutMs: 600, keepAliveTimeoutMs: 600_000 },
    });
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    port = (h.app.server.address() as { port: number }).port;
  });
  after(() => h.close());

  it('drops an unauthenticated request whose body stalls', async () => {
    const socket = await open(port);
    const done = closed(socket);
    socket.write(
      ['POST /t/acme/scim/v2/Users HTTP/1.1', 'Host: 127.0.0.1', 'Content-Length: 1000', '', '{"userName":'].join(
        '\r\n',
      ),
    );
    assert.equal(await done, 'HTTP/1.1 401 Unauthorized');
  });
});

describeEachBackend('the connection cap (issue #12.7)', (backend) => {
  let h: Harness;
  let port: number;
  before(async () => {
    h = await startHarness({ backend, config: { maxConnections: 3 } });
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    port = (h.app.server.address() as { port: number }).port;
  });
  after(() => h.close());

  it('closes connections beyond the cap at once and serves the ones within it', async () => {
    const held = [await open(port), await open(port), await open(port)];
    // Wait until the server has accepted all three, so the next one is the fourth.
    while (((await new Promise((r) => h.app.server.getConnections((_e, n) => r(n)))) as number) < 3) {
      await new Promise((r) => setImmediate(r));
    }
    const extra = await open(port);
    const refused = closed(extra);
    extra.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    assert.equal(await refused, '');
    const served = new Promise<string>((resolve) => {
      held[0]!.once('data', (chunk) => resolve(chunk.toString('latin1').split('\r\n')[0] ?? ''));
    });
    held[0]!.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    assert.equal(await served, 'HTTP/1.1 200 OK');
    for (const socket of held) socket.destroy();
  });
});
