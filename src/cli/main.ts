/**
 * The `scimd` command: dispatch, usage and error reporting. Returns the exit code and never
 * calls `process.exit`, so tests drive it with in-memory streams. Commands work directly on the
 * configured database; the store and the server are imported lazily, so `help` loads neither.
 *
 * Exit codes: 0 ok, 1 failure (not found, already exists, anything unexpected), 2 usage error
 * (bad arguments, invalid slug or value, refused delete), 78 bad configuration.
 */
import { readFileSync } from 'node:fs';
import { CONFIG_VARIABLES, type Config, ConfigError, loadConfig } from '../config/config.js';
import { isScimError } from '../scim/errors.js';
import type { Store } from '../store/store.js';
import { ADMIN_CREDENTIALS_USAGE, runAdminCredentialsCommand } from './admin-credentials-command.js';
import { ADMIN_TOKEN_USAGE, runAdminTokenCommand } from './admin-token-command.js';
import { type CliIo, type CommandContext, EXIT, UsageError, write } from './context.js';
import { DOCTOR_USAGE, runDoctorCommand } from './doctor-command.js';
import { EVENTS_USAGE, runEventsCommand } from './events-command.js';
import { GUARD_USAGE, runGuardCommand } from './guard-command.js';
import { GUIDE_USAGE, runGuideCommand } from './guide-command.js';
import { HEALTH_USAGE, runHealthCommand } from './health-command.js';
import { HISTORY_USAGE, runAccessCommand, runHistoryCommand } from './history-command.js';
import { LOG_USAGE, runLogCommand } from './log-command.js';
import { MIGRATE_USAGE, runMigrateCommand } from './migrate-command.js';
import { ROLES_USAGE, runRolesCommand } from './roles-command.js';
import { runTenantsCommand, TENANTS_USAGE } from './tenants-command.js';
import { runTokensCommand, TOKENS_USAGE } from './tokens-command.js';
import { runWebhooksCommand, WEBHOOKS_USAGE } from './webhooks-command.js';

export type { CliIo } from './context.js';

function usage(): string {
  const env = CONFIG_VARIABLES.map((v) => `  ${v.name}${v.default === null ? '' : ` (default ${v.default})`}`);
  return [
    'scimd: multi-tenant SCIM 2.0 provisioning server',
    '',
    'Usage:',
    '  scimd serve',
    ...[...TENANTS_USAGE, ...TOKENS_USAGE].map((line) => `  ${line}`),
    ...[...ROLES_USAGE, ...GUIDE_USAGE, ...ADMIN_TOKEN_USAGE, ...ADMIN_CREDENTIALS_USAGE].map((line) => `  ${line}`),
    ...[...MIGRATE_USAGE, ...DOCTOR_USAGE].map((line) => `  ${line}`),
    ...[...EVENTS_USAGE, ...WEBHOOKS_USAGE, ...LOG_USAGE, ...HEALTH_USAGE].map((line) => `  ${line}`),
    ...HISTORY_USAGE.map((line) => `  ${line}`),
    ...GUARD_USAGE.map((line) => `  ${line}`),
    '  scimd version',
    '  scimd help',
    '',
    'Commands work directly on the database named by SCIMD_DATABASE_URL.',
    'Configuration (environment variables; see docs/cli.md):',
    ...env,
    '',
    'Exit codes: 0 ok, 1 failure, 2 usage error, 78 bad configuration.',
  ].join('\n');
}

function readVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function baseUrlOf(config: Config): string {
  return config.publicUrl ?? `http://localhost:${config.port}`;
}

/** Resolves on abort of `signal`, or on SIGINT/SIGTERM when there is none. */
function waitForShutdown(signal: AbortSignal | undefined): Promise<void> {
  if (signal !== undefined) {
    return new Promise((resolve) =>
      signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true }),
    );
  }
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** What a newcomer who just ran `npm start` should do next. */
function nextSteps(url: string, databaseUrl: string, consoleOn: boolean): string {
  return [
    '',
    `scimd is serving SCIM on ${url}/scim/v2 (database ${databaseUrl})`,
    '',
    ...(consoleOn
      ? [`Web console: ${url}/console (create tenants and send customers a setup link; docs/console.md)`, '']
      : []),
    'Next steps, in another terminal:',
    '  npx scimd tenants create acme --name "Acme Corp"   # one tenant per customer',
    '  npx scimd tokens issue acme                        # prints the bearer token once',
    `  curl -H "Authorization: Bearer <token>" '${url}/scim/v2/Users?filter=userName%20eq%20%22x%22'`,
    '',
    'Health: /healthz and /readyz. Stop with Ctrl-C (SIGINT) or SIGTERM.',
    '',
  ].join('\n');
}

async function serve(args: readonly string[], io: CliIo): Promise<number> {
  if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}"\nusage: scimd serve`);
  const config = loadConfig(io.env);
  const { startServer } = await import('../server.js');
  const server = await startServer(config, { announce: (line) => write(io.stderr, line) });
  write(io.stderr, `scimd listening on ${server.url}`);
  write(io.stdout, nextSteps(server.url, config.databaseUrl, config.consoleEnabled));
  await waitForShutdown(io.signal);
  write(io.stdout, 'shutting down: finishing in-flight requests, then closing the database');
  await server.close();
  return EXIT.ok;
}

function report(error: unknown, io: CliIo): number {
  if (error instanceof UsageError) {
    write(io.stderr, `scimd: ${error.message}\nRun "scimd help" for usage.`);
    return EXIT.usage;
  }
  if (error instanceof ConfigError) {
    write(io.stderr, `scimd: ${error.message}`);
    return EXIT.config;
  }
  write(io.stderr, `scimd: ${error instanceof Error ? error.message : String(error)}`);
  // Bad input reported by the use cases (invalid slug, name, label or expiry) is a usage error.
  return isScimError(error) && error.status === 400 ? EXIT.usage : EXIT.failure;
}

/** Runs `scimd <argv…>` and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (
    command === 'help' ||
    command === '--help' ||
    command === '-h' ||
    rest.includes('--help') ||
    rest.includes('-h')
  ) {
    write(io.stdout, usage());
    return EXIT.ok;
  }
  if (command === 'version' || command === '--version') {
    write(io.stdout, readVersion());
    return EXIT.ok;
  }

  let store: Store | undefined;
  const open = async (): Promise<CommandContext> => {
    const config = loadConfig(io.env);
    const { openStore } = await import('../store/open.js');
    const opened = await openStore(config.databaseUrl, {
      poolSize: config.databasePoolSize,
      preparedStatements: config.databasePreparedStatements,
    });
    store = opened;
    return { config, store: opened, now: io.now?.() ?? new Date(), baseUrl: baseUrlOf(config) };
  };

  let code: number;
  try {
    switch (command) {
      case 'serve':
        code = await serve(rest, io);
        break;
      case 'tenants':
        code = await runTenantsCommand(rest, io, open);
        break;
      case 'tokens':
        code = await runTokensCommand(rest, io, open);
        break;
      case 'events':
        code = await runEventsCommand(rest, io, open);
        break;
      case 'webhooks':
        code = await runWebhooksCommand(rest, io, open);
        break;
      case 'log':
        code = await runLogCommand(rest, io, open);
        break;
      case 'health':
        code = await runHealthCommand(rest, io, open);
        break;
      case 'guard':
        code = await runGuardCommand(rest, io, open);
        break;
      case 'roles':
        code = await runRolesCommand(rest, io, open);
        break;
      case 'guide':
        code = await runGuideCommand(rest, io, open);
        break;
      case 'migrate':
        code = await runMigrateCommand(rest, io);
        break;
      case 'doctor':
        code = await runDoctorCommand(rest, io);
        break;
      case 'admin-token':
        code = runAdminTokenCommand(rest, io);
        break;
      case 'admin-credentials':
        code = await runAdminCredentialsCommand(rest, io, open);
        break;
      case 'history':
        code = await runHistoryCommand(rest, io, open);
        break;
      case 'access':
        code = await runAccessCommand(rest, io, open);
        break;
      case undefined:
        write(io.stderr, usage());
        return EXIT.usage;
      default:
        write(io.stderr, `scimd: unknown command "${command}"\n\n${usage()}`);
        return EXIT.usage;
    }
  } catch (error) {
    code = report(error, io);
  }
  try {
    await store?.close();
  } catch (error) {
    write(io.stderr, `scimd: closing the database failed: ${error instanceof Error ? error.message : String(error)}`);
    code = EXIT.failure;
  }
  return code;
}
