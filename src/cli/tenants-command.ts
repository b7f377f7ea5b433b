/**
 * `scimd tenants create|list|show|disable|enable|delete|roles|setup-link`: parse, call the tenancy use cases,
 * format. The `--json` shapes are documented in docs/cli.md and must stay stable.
 */
import { setTenantRoles, tenantAssignableRoles } from '../tenancy/role-catalogue.js';
import {
  checkSlug,
  createTenant,
  deleteTenant,
  getTenant,
  listTenants,
  listTokens,
  setTenantStatus,
  type TenantView,
  viewTenant,
} from '../tenancy/tenants.js';
import { type CliIo, EXIT, type OpenContext, parseCommand, UsageError, write, writeJson } from './context.js';
import { formatFields, formatTable } from './format.js';
import { runSetupLinkCommand, SETUP_LINK_USAGE } from './setup-link-command.js';

export const TENANTS_USAGE = [
  'scimd tenants create <slug> [--name <name>] [--json]',
  'scimd tenants list [--json]',
  'scimd tenants show <slug> [--json]',
  'scimd tenants disable <slug> [--json]',
  'scimd tenants enable <slug> [--json]',
  'scimd tenants delete <slug> --yes [--json]',
  'scimd tenants roles <slug> [--allow <value,value,...> | --all] [--json]',
  ...SETUP_LINK_USAGE,
] as const;

function tenantFields(json: TenantView, extra: readonly (readonly [string, string])[] = []): string {
  return formatFields([
    ['id', json.id],
    ['slug', json.slug],
    ['name', json.name],
    ['status', json.status],
    ['created', json.created],
    ['SCIM URL', json.scimUrl],
    ...extra,
  ]);
}

const JSON_FLAG = { json: { type: 'boolean' } } as const;

export async function runTenantsCommand(args: readonly string[], io: CliIo, open: OpenContext): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'create': {
      const { values, positionals } = parseCommand(
        rest,
        { ...JSON_FLAG, name: { type: 'string' } },
        ['<slug>'],
        TENANTS_USAGE[0],
      );
      const slug = checkSlug(positionals[0]!);
      const ctx = await open();
      const json = viewTenant(await createTenant(ctx.store, { slug, name: values.name }, ctx.now), ctx.baseUrl);
      if (values.json) writeJson(io.stdout, json);
      else {
        write(io.stdout, `Created tenant "${slug}".\n\n${tenantFields(json)}\n`);
        write(io.stdout, `Next: issue its SCIM token with "scimd tokens issue ${slug}".`);
      }
      return EXIT.ok;
    }
    case 'list': {
      const { values } = parseCommand(rest, JSON_FLAG, [], TENANTS_USAGE[1]);
      const ctx = await open();
      const tenants = (await listTenants(ctx.store)).map((t) => viewTenant(t, ctx.baseUrl));
      if (values.json) writeJson(io.stdout, tenants);
      else if (tenants.length === 0) write(io.stdout, 'No tenants yet. Create one with "scimd tenants create <slug>".');
      else {
        const rows = tenants.map((t) => [t.slug, t.name, t.status, t.created, t.scimUrl]);
        write(io.stdout, formatTable(['SLUG', 'NAME', 'STATUS', 'CREATED', 'SCIM URL'], rows));
      }
      return EXIT.ok;
    }
    case 'show': {
      const { values, positionals } = parseCommand(rest, JSON_FLAG, ['<slug>'], TENANTS_USAGE[2]);
      const slug = checkSlug(positionals[0]!);
      const ctx = await open();
      const json = viewTenant(await getTenant(ctx.store, slug), ctx.baseUrl);
      if (values.json) writeJson(io.stdout, json);
      else {
        const tokens = await listTokens(ctx.store, slug, ctx.now);
        const active = tokens.filter((t) => t.status === 'active').length;
        const summary = `${active} active of ${tokens.length} (see "scimd tokens list ${slug}")`;
        write(io.stdout, tenantFields(json, [['tokens', summary]]));
      }
      return EXIT.ok;
    }
    case 'disable':
    case 'enable': {
      const usage = sub === 'disable' ? TENANTS_USAGE[3] : TENANTS_USAGE[4];
      const { values, positionals } = parseCommand(rest, JSON_FLAG, ['<slug>'], usage);
      const slug = checkSlug(positionals[0]!);
      const ctx = await open();
      const tenant = await setTenantStatus(ctx.store, slug, sub === 'disable' ? 'disabled' : 'active');
      if (values.json) writeJson(io.stdout, viewTenant(tenant, ctx.baseUrl));
      else if (sub === 'disable')
        write(io.stdout, `Tenant "${slug}" is disabled: its tokens are refused until enabled.`);
      else write(io.stdout, `Tenant "${slug}" is enabled.`);
      return EXIT.ok;
    }
    case 'delete': {
      const { values, positionals } = parseCommand(
        rest,
        { ...JSON_FLAG, yes: { type: 'boolean' } },
        ['<slug>'],
        TENANTS_USAGE[5],
      );
      const slug = checkSlug(positionals[0]!);
      if (!values.yes) {
        throw new UsageError(
          `refusing to delete tenant "${slug}" and all its data (users, groups, tokens) without --yes`,
        );
      }
      const ctx = await open();
      const tenant = await deleteTenant(ctx.store, slug);
      if (values.json) writeJson(io.stdout, viewTenant(tenant, ctx.baseUrl));
      else write(io.stdout, `Deleted tenant "${slug}" and all its data.`);
      return EXIT.ok;
    }
    case 'roles':
      return runTenantRoles(rest, io, open);
    case 'setup-link':
      return runSetupLinkCommand(rest, io, open);
    case undefined:
      throw new UsageError(
        'missing tenants command (create, list, show, disable, enable, delete, roles or setup-link)',
      );
    default:
      throw new UsageError(
        `unknown tenants command "${sub}" (expected create, list, show, disable, enable, delete, roles or setup-link)`,
      );
  }
}

/**
 * `tenants roles <slug>`: shows, narrows (`--allow a,b`) or widens again (`--all`) the app roles
 * the tenant may assign (docs/roles.md).
 */
async function runTenantRoles(args: readonly string[], io: CliIo, open: OpenContext): Promise<number> {
  const usage = TENANTS_USAGE[6];
  const { values, positionals } = parseCommand(
    args,
    { ...JSON_FLAG, allow: { type: 'string' }, all: { type: 'boolean' } },
    ['<slug>'],
    usage,
  );
  const slug = checkSlug(positionals[0]!);
  if (values.allow !== undefined && values.all) throw new UsageError(`give either --allow or --all\nusage: ${usage}`);
  const allow = values.allow
    ?.split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  if (allow !== undefined && allow.length === 0) {
    throw new UsageError(`--allow needs at least one role value, e.g. --allow sales.editor,admin\nusage: ${usage}`);
  }
  const ctx = await open();
  const tenant =
    allow !== undefined || values.all
      ? await setTenantRoles(ctx.store, slug, allow ?? null)
      : await getTenant(ctx.store, slug);
  const assignable = await tenantAssignableRoles(ctx.store, tenant);
  if (values.json) {
    writeJson(io.stdout, {
      ...viewTenant(tenant, ctx.baseUrl),
      allowedRoles: tenant.allowedRoles ?? null,
      assignableRoles: assignable.map((r) => r.value),
    });
    return EXIT.ok;
  }
  const scope =
    tenant.allowedRoles === undefined
      ? 'every enabled app role'
      : tenant.allowedRoles.length === 0
        ? 'no app roles'
        : `only ${tenant.allowedRoles.map((v) => `"${v}"`).join(', ')}`;
  const now = assignable.length === 0 ? 'none' : assignable.map((r) => r.value).join(', ');
  write(io.stdout, `Tenant "${slug}" may assign ${scope}.\nAssignable now (enabled): ${now}.`);
  return EXIT.ok;
}
