/**
 * A real `scimd serve` process (from the sources, through tsx) on a given database, on a free
 * port, with the admin API on (for the change feed). Resolves once it is listening.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

const STARTUP_TIMEOUT_MS = 60_000;

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  stderr(): string;
}

export async function startServerProcess(databaseUrl: string, adminTokenHash: string): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/scimd.ts', 'serve'], {
    env: {
      ...process.env,
      SCIMD_DATABASE_URL: databaseUrl,
      SCIMD_PORT: '0',
      SCIMD_HOST: '127.0.0.1',
      SCIMD_LOG_LEVEL: 'warn',
      SCIMD_PUBLIC_URL: 'https://scim.example.com',
      SCIMD_ADMIN_TOKEN_HASH: `sha256:${adminTokenHash}`,
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

export async function stopServerProcess(server: ServerProcess | undefined): Promise<void> {
  if (!server || server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = once(server.child, 'exit');
  server.child.kill('SIGTERM');
  await exited;
}
