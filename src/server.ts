/**
 * The composition root: picks the concrete store from configuration, builds the HTTP app and
 * starts listening. Everything else receives its collaborators as parameters.
 */
import type { Config } from './config/config.js';
import { buildApp } from './http/app.js';
import { openStore } from './store/open.js';

export interface RunningServer {
  /** e.g. `http://127.0.0.1:8080` */
  readonly url: string;
  /** Stops accepting connections, lets in-flight requests finish, then closes the database. */
  close(): Promise<void>;
}

export async function startServer(config: Config): Promise<RunningServer> {
  const store = await openStore(config.databaseUrl);
  try {
    const app = await buildApp({ config, store });
    await app.listen({ port: config.port, host: config.host });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
    let closing: Promise<void> | undefined;
    return {
      url: `http://${host}:${port}`,
      close: () => {
        closing ??= app.close().finally(() => store.close());
        return closing;
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
