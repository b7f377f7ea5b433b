/**
 * `scimd roles add|list|update|disable|enable|manifest`: the app role catalogue (docs/roles.md).
 * `manifest` prints exactly the `appRoles` JSON array to paste into the Entra app manifest.
 */
import type { AppRoleRecord } from '../store/store.js';
import { formatManifest } from '../tenancy/manifest.js';
import { addRole, listRoles, setRoleEnabled, updateRole } from '../tenancy/role-catalogue.js';
import { checkRoleValue } from '../tenancy/roles.js';
import { type CliIo, EXIT, type OpenContext, parseCommand, UsageError, write, writeJson } from './context.js';
import { formatFields, formatTable } from './format.js';

export const ROLES_USAGE = [
  'scimd roles add <value> --display-name <text> [--description <text>] [--json]',
  'scimd roles list [--json]',
  'scimd roles update <value> [--display-name <text>] [--description <text>] [--json]',
  'scimd roles disable <value> [--json]',
  'scimd roles enable <value> [--json]',
  'scimd roles manifest',
] as const;

/** The `--json` shape of a role. */
export interface RoleJson {
  readonly id: string;
  readonly value: string;
  readonly displayName: string;
  readonly description: string;
  readonly enabled: boolean;
  readonly allowedMemberTypes: readonly string[];
  readonly created: string;
}

function roleJson(role: AppRoleRecord): RoleJson {
  return {
    id: role.id,
    value: role.value,
    displayName: role.displayName,
    description: role.description,
    enabled: role.enabled,
    allowedMemberTypes: [...role.allowedMemberTypes],
    created: role.created,
  };
}

function roleFields(role: AppRoleRecord): string {
  return formatFields([
    ['id', role.id],
    ['value', role.value],
    ['display name', role.displayName],
    ['description', role.description],
    ['enabled', role.enabled ? 'yes' : 'no'],
    ['created', role.created],
  ]);
}

const JSON_FLAG = { json: { type: 'boolean' } } as const;
const TEXT_OPTIONS = { 'display-name': { type: 'string' }, description: { type: 'string' } } as const;

export async function runRolesCommand(args: readonly string[], io: CliIo, open: OpenContext): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'add': {
      const usage = ROLES_USAGE[0];
      const { values, positionals } = parseCommand(rest, { ...JSON_FLAG, ...TEXT_OPTIONS }, ['<value>'], usage);
      const value = checkRoleValue(positionals[0]!);
      const displayName = values['display-name'];
      if (displayName === undefined) throw new UsageError(`missing --display-name <text>\nusage: ${usage}`);
      const ctx = await open();
      const role = await addRole(ctx.store, { value, displayName, description: values.description }, ctx.now);
      if (values.json) writeJson(io.stdout, roleJson(role));
      else {
        write(io.stdout, `Declared app role "${role.value}".\n\n${roleFields(role)}\n`);
        write(io.stdout, 'Next: paste the output of "scimd roles manifest" into the Entra app manifest (appRoles).');
      }
      return EXIT.ok;
    }
    case 'list': {
      const { values } = parseCommand(rest, JSON_FLAG, [], ROLES_USAGE[1]);
      const ctx = await open();
      const roles = await listRoles(ctx.store);
      if (values.json) writeJson(io.stdout, roles.map(roleJson));
      else if (roles.length === 0) {
        write(io.stdout, 'No app roles declared. Declare one with "scimd roles add <value> --display-name <name>".');
      } else {
        const rows = roles.map((r) => [r.value, r.displayName, r.enabled ? 'enabled' : 'disabled', r.id]);
        write(io.stdout, formatTable(['VALUE', 'DISPLAY NAME', 'STATUS', 'ID'], rows));
      }
      return EXIT.ok;
    }
    case 'update': {
      const usage = ROLES_USAGE[2];
      const { values, positionals } = parseCommand(rest, { ...JSON_FLAG, ...TEXT_OPTIONS }, ['<value>'], usage);
      if (values['display-name'] === undefined && values.description === undefined) {
        throw new UsageError(`give --display-name and/or --description\nusage: ${usage}`);
      }
      const ctx = await open();
      const role = await updateRole(ctx.store, positionals[0]!, {
        displayName: values['display-name'],
        description: values.description,
      });
      if (values.json) writeJson(io.stdout, roleJson(role));
      else {
        write(io.stdout, `Updated app role "${role.value}".\n\n${roleFields(role)}\n`);
        write(io.stdout, 'Next: paste the output of "scimd roles manifest" into the Entra app manifest (appRoles).');
      }
      return EXIT.ok;
    }
    case 'disable':
    case 'enable': {
      const usage = sub === 'disable' ? ROLES_USAGE[3] : ROLES_USAGE[4];
      const { values, positionals } = parseCommand(rest, JSON_FLAG, ['<value>'], usage);
      const ctx = await open();
      const role = await setRoleEnabled(ctx.store, positionals[0]!, sub === 'enable');
      if (values.json) writeJson(io.stdout, roleJson(role));
      else if (sub === 'disable') {
        write(
          io.stdout,
          `App role "${role.value}" is disabled: new assignments are refused, users who hold it keep it, and the manifest lists it with "isEnabled": false.`,
        );
      } else write(io.stdout, `App role "${role.value}" is enabled.`);
      return EXIT.ok;
    }
    case 'manifest': {
      parseCommand(rest, {}, [], ROLES_USAGE[5]);
      const ctx = await open();
      write(io.stdout, formatManifest(await listRoles(ctx.store)));
      return EXIT.ok;
    }
    case undefined:
      throw new UsageError('missing roles command (add, list, update, disable, enable or manifest)');
    default:
      throw new UsageError(`unknown roles command "${sub}" (expected add, list, update, disable, enable or manifest)`);
  }
}
