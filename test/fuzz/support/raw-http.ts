/**
 * A raw HTTP/1.1 client over one TCP connection per request, so a fuzz request can carry what
 * `fetch` and `http.request` refuse to send (NUL bytes and spaces in paths and headers, odd
 * methods, repeated headers, invalid UTF-8). Every request has a deadline: a server that does
 * not answer in time yields `timedOut` instead of a hang.
 */
import { connect } from 'node:net';

export interface RawRequest {
  readonly method: string;
  /** The request target, sent byte for byte (latin1). */
  readonly path: string;
  /** Header lines in order; duplicates allowed. Host and Connection are added. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body?: Buffer;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly timedOut: boolean;
}

function decodeChunked(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const end = raw.indexOf('\r\n', at);
    if (end < 0) break;
    const size = Number.parseInt(raw.subarray(at, end).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(raw.subarray(end + 2, end + 2 + size));
    at = end + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

function parse(input: Buffer): Omit<RawResponse, 'timedOut'> {
  let raw = input;
  // Interim answers (100 Continue to an Expect header) precede the real one.
  while (/^HTTP\/1\.[01] 1\d\d /.test(raw.subarray(0, 13).toString('latin1'))) {
    const end = raw.indexOf('\r\n\r\n');
    if (end < 0) break;
    raw = raw.subarray(end + 4);
  }
  const split = raw.indexOf('\r\n\r\n');
  const head = (split < 0 ? raw : raw.subarray(0, split)).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '')?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = split < 0 ? Buffer.alloc(0) : raw.subarray(split + 4);
  if (headers['transfer-encoding']?.toLowerCase() === 'chunked') body = decodeChunked(body);
  else if (headers['content-length'] !== undefined) body = body.subarray(0, Number(headers['content-length']));
  return { status, headers, body: body.toString('utf8') };
}

/** Sends `request` to 127.0.0.1:`port` and reads the answer until the server closes. */
export function sendRaw(port: number, request: RawRequest, timeoutMs: number): Promise<RawResponse> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (timedOut: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const raw = Buffer.concat(chunks);
      resolve({ ...parse(raw), timedOut });
    };
    const timer = setTimeout(() => finish(true), timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => finish(false));
    socket.on('close', () => finish(false));
    // A reset after the answer was written (the server closing early) still yields that answer.
    socket.on('error', () => finish(false));
    const lines = [`${request.method} ${request.path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Connection: close'];
    for (const [name, value] of request.headers) lines.push(`${name}: ${value}`);
    if (request.body !== undefined && !request.headers.some(([n]) => n.toLowerCase() === 'content-length')) {
      lines.push(`Content-Length: ${request.body.length}`);
    }
    socket.write(
      Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), request.body ?? Buffer.alloc(0)]),
    );
  });
}

/** Renders a request for a failure message: method, target and headers as JSON-escaped text. */
export function describeRequest(request: RawRequest): string {
  const cut = (text: string, max: number) =>
    text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text;
  const body = request.body === undefined ? '' : ` body=${JSON.stringify(cut(request.body.toString('utf8'), 300))}`;
  const headers = request.headers.map(([n, v]) => [n, cut(v, 80)]);
  return `${request.method} ${JSON.stringify(cut(request.path, 300))} headers=${JSON.stringify(headers)}${body}`;
}
