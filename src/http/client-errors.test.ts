/**
 * Requests that Node's HTTP parser or Fastify's router refuse before any scimd handler runs
 * still get a SCIM Error (found by the HTTP fuzz suite, test/fuzz/http-fuzz.test.ts). Sent over
 * a raw socket, since these bytes cannot all be sent through `inject`.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, it } from 'node:test';
import { describeEachBackend } from '../store/test-support/backends.js';
import { type Harness, startHarness } from './test-support/harness.js';

interface RawAnswer {
  readonly statusLine: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * Sends `request` as is and resolves with what the server answered once it closes (every
 * request here says `Connection: close`). The socket is not half-closed: Node's server would
 * drop a response still being computed when its client ends first.
 */
function sendRaw(port: number, request: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString('utf8');
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', ...rest] = answer.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const headers = Object.fromEntries(
        headerLines.map((line) => {
          const colon = line.indexOf(':');
          return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
        }),
      );
      resolve({ statusLine, headers, body: rest.join('\r\n\r\n') });
    });
  });
}

function assertScimError(answer: RawAnswer, status: number): Record<string, unknown> {
  assert.match(answer.statusLine, new RegExp(`^HTTP/1\\.1 ${status} `), answer.statusLine);
  assert.match(answer.headers['content-type'] ?? '', /^application\/scim\+json/);
  const body = JSON.parse(answer.body) as Record<string, unknown>;
  assert.deepEqual(body.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error']);
  assert.equal(body.status, String(status));
  assert.equal(typeof body.detail, 'string');
  return body;
}

describeEachBackend('requests refused before scimd sees them still get SCIM errors', (backend) => {
  let h: Harness;
  let port: number;
  before(async () => {
    h = await startHarness({ backend });
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    port = (h.app.server.address() as { port: number }).port;
  });
  after(() => h.close());

  const request = (line: string, extraHeaders: string[] = []) =>
    [line, 'Host: 127.0.0.1', `Authorization: Bearer ${h.token}`, 'Connection: close', ...extraHeaders, '', ''].join(
      '\r\n',
    );

  it('a path that is not valid percent-encoded UTF-8 is a 400', async () => {
    const answer = await sendRaw(port, request('GET /t/acme/scim/v2/Users%FF%FE HTTP/1.1'));
    const body = assertScimError(answer, 400);
    assert.equal(body.detail, 'The request path is not valid percent-encoded UTF-8.');
    assert.ok(!answer.body.includes('%FF'), 'the path is not echoed');
  });

  it('an id longer than any id scimd issues is a 404, without echoing it', async () => {
    const id = 'x'.repeat(5000);
    const answer = await sendRaw(port, request(`GET /t/acme/scim/v2/Users/${id} HTTP/1.1`));
    const body = assertScimError(answer, 404);
    assert.match(String(body.detail), /longer than 100 characters/);
    assert.ok(!answer.body.includes('xxxxxxxxxx'), 'the id is not echoed');
  });

  it('a NUL in a header value is a 400', async () => {
    const answer = await sendRaw(
      port,
      request('GET /scim/v2/Users HTTP/1.1', ['Content-Type: application/scim+json; a="\0"']),
    );
    assertScimError(answer, 400);
  });

  it('headers over the size limit are a 431', async () => {
    const answer = await sendRaw(port, request('GET /scim/v2/Users HTTP/1.1', [`Cookie: ${'c'.repeat(20_000)}`]));
    const body = assertScimError(answer, 431);
    assert.equal(body.detail, 'The request headers are larger than the server accepts.');
  });

  it('an Expect header other than 100-continue is a 417', async () => {
    const answer = await sendRaw(port, request('GET /scim/v2/Users HTTP/1.1', ['Expect: W/"1"']));
    const body = assertScimError(answer, 417);
    assert.equal(body.detail, 'Only "Expect: 100-continue" is supported.');
  });

  it('a well-formed request on the same server still works', async () => {
    const answer = await sendRaw(port, request('GET /scim/v2/Users?count=1 HTTP/1.1'));
    assert.match(answer.statusLine, /^HTTP\/1\.1 200 /);
  });
});
