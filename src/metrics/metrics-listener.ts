/**
 * The metrics listener (`SCIMD_METRICS_HOST:SCIMD_METRICS_PORT`, default 127.0.0.1:9464): a bare
 * node:http server answering `GET /metrics` and `GET /healthz` and nothing else, apart from the
 * SCIM port so that a scrape never competes with provisioning for connections and /metrics is
 * never public by accident. Its `/healthz` is the liveness probe that still answers when the SCIM
 * port is at SCIMD_MAX_CONNECTIONS and closes new connections on arrival (docs/operations.md).
 * Started and stopped by src/server.ts.
 */
import { createServer, type Server } from 'node:http';
import type { ScimdMetrics } from './scimd-metrics.js';

export interface MetricsListener {
  /** e.g. `http://127.0.0.1:9464/metrics` */
  readonly url: string;
  close(): Promise<void>;
}

export async function startMetricsListener(
  metrics: Pick<ScimdMetrics, 'exposition' | 'contentType'>,
  host: string,
  port: number,
): Promise<MetricsListener> {
  const server: Server = createServer((request, response) => {
    const path = request.url?.split('?')[0];
    if (path !== '/metrics' && path !== '/healthz') {
      response
        .writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
        .end('Not found: try /metrics or /healthz\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end();
      return;
    }
    if (path === '/healthz') {
      // The same answer as the SCIM port's /healthz: the process is alive.
      response
        .writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
        .end(request.method === 'HEAD' ? undefined : '{"status":"ok"}');
      return;
    }
    metrics.exposition().then(
      (text) =>
        response
          .writeHead(200, { 'content-type': metrics.contentType })
          .end(request.method === 'HEAD' ? undefined : text),
      () => response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics unavailable\n'),
    );
  });
  // A scrape is one short request; idle keep-alive sockets must not hold close() up.
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${bound}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
