/**
 * `scimd admin-token [--json]`: generates an admin API token and prints it once, with the
 * `SCIMD_ADMIN_TOKEN_HASH=sha256:<hex>` line for the server's environment. Touches no database
 * and stores nothing: only the operator has the token, only the environment has its hash.
 */
import { generateAdminToken } from '../tenancy/admin-token.js';
import { type CliIo, EXIT, parseCommand, write, writeJson } from './context.js';

export const ADMIN_TOKEN_USAGE = ['scimd admin-token [--json]'] as const;

export function runAdminTokenCommand(args: readonly string[], io: CliIo): number {
  const { values } = parseCommand(args, { json: { type: 'boolean' } }, [], ADMIN_TOKEN_USAGE[0]);
  const { token, hash, environmentLine } = generateAdminToken();
  if (values.json) {
    writeJson(io.stdout, { token, hash: `sha256:${hash}`, environment: environmentLine });
    return EXIT.ok;
  }
  write(
    io.stdout,
    [
      'Admin API token (shown once; scimd never stores it):',
      '',
      token,
      '',
      'Put this line in the environment of every scimd server, then restart them:',
      '',
      environmentLine,
      '',
      'Call the admin API with "Authorization: Bearer <token>", e.g. GET /admin/v1/tenants/<slug>/guide.',
      'To replace the token, run this command again and swap the line; the old token stops working.',
    ].join('\n'),
  );
  return EXIT.ok;
}
