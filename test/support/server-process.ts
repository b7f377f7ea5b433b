/**
 * A real `scimd serve` process (from the sources, through tsx) on a given database and a free
 * port, for the tests that need real processes (test/processes.test.ts, the kill -9 durability
 * test). Resolves once it is listening.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

const STARTUP_TIMEOUT_MS = 60_000;

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  stderr(): string;
}

/** `env` adds to the defaults below (e.g. `SCIMD_ADMIN_TOKEN_HASH` for the change feed). */
export async function startServerProcess(
  databaseUrl: string,
  env: Readonly<Record<string, string>> = {},
): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/scimd.ts', 'serve'], {
    env: {
      ...process.env,
      SCIMD_DATABASE_URL: databaseUrl,
      SCIMD_PORT: '0',
      SCIMD_HOST: '127.0.0.1',
      SCIMD_LOG_LEVEL: 'warn',
      // One public URL, as behind a load balancer: meta.location is the same from every process.
      SCIMD_PUBLIC_URL: 'https://scim.example.com',
      // Several processes at once: each metrics listener on a free port of its own.
      SCIMD_METRICS_PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`scimd did not start:\n${stderr}`)), STARTUP_TIMEOUT_MS);
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const found = /scimd listening on (http:\/\/\S+)/.exec(stderr);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]!);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`scimd exited with ${code} before listening:\n${stderr}`));
    });
  });
  return { child, url, stderr: () => stderr };
}

/** SIGKILL: no shutdown hook, no flush, no final COMMIT. */
export async function killHard(server: ServerProcess): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = once(server.child, 'exit');
  server.child.kill('SIGKILL');
  await exited;
}

/** SIGTERM, then the exit code once it has exited (null if it died of a signal). */
export async function stopServerProcess(server: ServerProcess | undefined): Promise<number | null> {
  if (!server || server.child.exitCode !== null || server.child.signalCode !== null) {
    return server?.child.exitCode ?? null;
  }
  const exited = once(server.child, 'exit');
  server.child.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  return code;
}
