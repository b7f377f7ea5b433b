/**
 * `scimd health [<slug>]`: every tenant's health state with its cause, or one tenant in detail
 * (docs/operations.md "Tenant health"). Read from the hourly rollups, like the admin API.
 */
import { WINDOWS, type WindowName } from '../health/evaluate-health.js';
import { healthSettingsOf } from '../health/health-settings.js';
import { readAllHealth, readTenantHealth, type TenantHealthDetail } from '../health/read-health.js';
import { FAILURE_CAUSES } from '../store/health-port.js';
import { checkSlug, getTenant } from '../tenancy/tenants.js';
import { type CliIo, EXIT, type OpenContext, parseCommand, write, writeJson } from './context.js';
import { formatFields, formatTable } from './format.js';

export const HEALTH_USAGE = ['scimd health [<slug>] [--json]'] as const;

const MAX_CAUSE = 100;

const ratio = (r: number) => `${Math.round(r * 10_000) / 100}%`;

function detail(h: TenantHealthDetail): string {
  const sections = [
    formatFields([
      ['tenant', `${h.tenant.slug} (${h.tenant.name})`],
      ['state', h.state],
      ['cause', h.cause],
      ['fix', h.fix],
      ['evaluated', h.evaluatedAt],
    ]),
    formatTable(
      ['WINDOW', 'REQUESTS', 'FAILED', 'RATIO', 'REFERENCE', 'AVG LATENCY', 'MAX LATENCY'],
      (Object.keys(WINDOWS) as WindowName[]).map((name) => {
        const w = h.windows[name];
        return [
          name,
          String(w.requests),
          String(w.failures),
          ratio(w.failureRatio),
          String(w.referenceFailures),
          `${w.latencyAvgMs}ms`,
          `${w.latencyMaxMs}ms`,
        ];
      }),
    ),
  ];
  const causes = FAILURE_CAUSES.filter((c) => h.windows['7d'].causes[c] > 0);
  if (causes.length > 0) {
    sections.push(
      formatTable(
        ['FAILURE CAUSE', '1H', '24H', '7D'],
        causes.map((c) => [c, ...(['1h', '24h', '7d'] as const).map((w) => String(h.windows[w].causes[c]))]),
      ),
    );
  }
  const q = h.quarantine;
  sections.push(
    `Toward at_risk (7 days): ${q.failures} failures (at ${q.thresholds.cap}; ratio rule from ${q.thresholds.evaluatedAfter}), ` +
      `${q.nonReferenceFailures} non-reference (at ${q.thresholds.failures}; more than ${q.thresholds.percent}% of ${q.requests} requests).`,
  );
  sections.push(
    h.idps.length === 0
      ? 'No identity provider called in the last 7 days.'
      : formatTable(
          ['IDP', 'LAST REQUEST', 'REQUESTS 7D', 'SILENT'],
          h.idps.map((a) => [a.idp, a.lastRequest, String(a.requests7d), a.silent ? 'yes' : 'no']),
        ),
  );
  if (h.slowest.length > 0) {
    sections.push(
      formatTable(
        ['SLOWEST (24H)', 'LATENCY', 'STATUS', 'REQUEST', 'ID'],
        h.slowest.map((s) => [s.time, `${s.latencyMs}ms`, String(s.status), `${s.method} ${s.path}`, s.id]),
      ),
    );
  }
  if (h.undeclaredAttributes.length > 0) {
    sections.push(
      formatTable(
        ['UNDECLARED ATTRIBUTE', 'REQUESTS', 'LAST SEEN'],
        h.undeclaredAttributes.map((a) => [a.attribute, String(a.count), a.lastSeen]),
      ),
    );
  }
  return sections.join('\n\n');
}

export async function runHealthCommand(args: readonly string[], io: CliIo, open: OpenContext): Promise<number> {
  const withSlug = args.some((a) => !a.startsWith('-'));
  const { values, positionals } = parseCommand(
    args,
    { json: { type: 'boolean' } },
    withSlug ? ['<slug>'] : [],
    HEALTH_USAGE[0],
  );
  const slug = withSlug ? checkSlug(positionals[0]!) : undefined;
  const ctx = await open();
  const settings = healthSettingsOf(ctx.config);
  if (slug !== undefined) {
    const health = await readTenantHealth(ctx.store, await getTenant(ctx.store, slug), ctx.now, settings);
    if (values.json) writeJson(io.stdout, health);
    else write(io.stdout, detail(health));
    return EXIT.ok;
  }
  const all = await readAllHealth(ctx.store, ctx.now, settings);
  if (values.json) writeJson(io.stdout, all);
  else if (all.length === 0) write(io.stdout, 'No tenants yet.');
  else {
    const rows = all.map((h) => [
      h.tenant.slug,
      h.state,
      String(h.windows['24h'].requests),
      ratio(h.windows['24h'].failureRatio),
      h.cause.length > MAX_CAUSE ? `${h.cause.slice(0, MAX_CAUSE - 1)}…` : h.cause,
    ]);
    write(io.stdout, formatTable(['TENANT', 'STATE', 'REQUESTS 24H', 'FAILED', 'CAUSE'], rows));
    write(io.stdout, '\nDetails, cause and fix: scimd health <slug>');
  }
  return EXIT.ok;
}
