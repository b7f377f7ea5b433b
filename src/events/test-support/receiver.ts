/**
 * A webhook receiver for tests: an HTTP server on 127.0.0.1 that records every request and
 * answers with whatever `respond` returns for it (a status, or a promise of one: a promise
 * that never settles simulates a receiver that hangs).
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly json: { id: string; type: string; seq: number; data: { id: string } } & Record<string, unknown>;
}

export interface Receiver {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  close(): Promise<void>;
}

export async function startReceiver(
  respond: (request: ReceivedRequest, index: number) => number | Promise<number> = () => 204,
): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const received = { headers: req.headers, body, json: JSON.parse(body) };
      requests.push(received);
      const status = await respond(received, requests.length - 1);
      res.statusCode = status;
      res.end(status >= 400 ? `failure ${status}` : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
