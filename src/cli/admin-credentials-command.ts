/**
 * `scimd admin-credentials create|list|revoke`: admin credentials stored in the database
 * (tenancy/admin-credentials.ts), accepted by the admin API and the console beside
 * SCIMD_ADMIN_TOKEN_HASH. `create` prints the token once; only its hash is stored.
 */
import {
  type AdminCredentialView,
  createAdminCredential,
  listAdminCredentials,
  revokeAdminCredential,
  viewAdminCredential,
} from '../tenancy/admin-credentials.js';
import { type CliIo, EXIT, type OpenContext, parseCommand, UsageError, write, writeJson } from './context.js';
import { formatFields, formatTable, formatWhen } from './format.js';

export const ADMIN_CREDENTIALS_USAGE = [
  'scimd admin-credentials create <label> [--json]',
  'scimd admin-credentials list [--json]',
  'scimd admin-credentials revoke <id> [--json]',
] as const;

const JSON_FLAG = { json: { type: 'boolean' } } as const;

function rows(credentials: readonly AdminCredentialView[]): string[][] {
  return credentials.map((c) => [c.id, c.label, c.hint, c.status, c.created, formatWhen(c.lastUsedAt, 'never')]);
}

export async function runAdminCredentialsCommand(
  args: readonly string[],
  io: CliIo,
  open: OpenContext,
): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'create': {
      const { values, positionals } = parseCommand(rest, JSON_FLAG, ['<label>'], ADMIN_CREDENTIALS_USAGE[0]);
      const ctx = await open();
      const { token, record } = await createAdminCredential(ctx.store, positionals[0]!, ctx.now);
      const view = viewAdminCredential(record);
      if (values.json) {
        writeJson(io.stdout, { ...view, token });
        return EXIT.ok;
      }
      const fields = formatFields([
        ['id', view.id],
        ['label', view.label],
      ]);
      write(io.stdout, `Created admin credential "${view.label}".\n\n${fields}\n\n${token}\n`);
      write(io.stdout, 'Copy it now: it is shown only once and cannot be recovered (scimd stores only its hash).');
      return EXIT.ok;
    }
    case 'list': {
      const { values } = parseCommand(rest, JSON_FLAG, [], ADMIN_CREDENTIALS_USAGE[1]);
      const ctx = await open();
      const credentials = (await listAdminCredentials(ctx.store)).map(viewAdminCredential);
      if (values.json) writeJson(io.stdout, credentials);
      else if (credentials.length === 0) {
        write(io.stdout, 'No admin credentials. Create one with "scimd admin-credentials create <label>".');
      } else {
        write(io.stdout, formatTable(['ID', 'LABEL', 'HINT', 'STATUS', 'CREATED', 'LAST USED'], rows(credentials)));
      }
      return EXIT.ok;
    }
    case 'revoke': {
      const { values, positionals } = parseCommand(rest, JSON_FLAG, ['<id>'], ADMIN_CREDENTIALS_USAGE[2]);
      const ctx = await open();
      const view = viewAdminCredential(await revokeAdminCredential(ctx.store, positionals[0]!, ctx.now));
      if (values.json) writeJson(io.stdout, view);
      else write(io.stdout, `Revoked admin credential ${view.id} ("${view.label}", ${view.hint}).`);
      return EXIT.ok;
    }
    case undefined:
      throw new UsageError('missing admin-credentials command (create, list or revoke)');
    default:
      throw new UsageError(`unknown admin-credentials command "${sub}" (expected create, list or revoke)`);
  }
}
