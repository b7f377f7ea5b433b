/**
 * `scimd guard`: the deprovision guard of every tenant (docs/guard.md): its state, what a held
 * tenant holds, release, reset and per-tenant settings. The same use cases as the admin API and
 * the console; every decision is recorded as `cli:<user>`.
 */
import { userInfo } from 'node:os';
import { guardSettingsFrom } from '../service/deprovision-guard.js';
import {
  configureGuard,
  type GuardSettingsChange,
  type GuardSummary,
  type GuardView,
  listGuards,
  readGuard,
  releaseGuard,
  resetGuard,
  summariseHeld,
} from '../service/guard.js';
import { checkSlug } from '../tenancy/tenants.js';
import { type CliIo, EXIT, type OpenContext, parseCommand, UsageError, write, writeJson } from './context.js';
import { formatFields, formatTable } from './format.js';

export const GUARD_USAGE = [
  'scimd guard status [--json]',
  'scimd guard show <slug> [--json]',
  'scimd guard release <slug> [--json]',
  'scimd guard reset <slug> [--json]',
  'scimd guard set <slug> [--enabled on|off|default] [--percent <n>|default] [--minimum <n>|default] [--window <minutes>|default] [--json]',
] as const;

const JSON_FLAG = { json: { type: 'boolean' } } as const;

/** Who the decisions are recorded as. */
function actor(io: CliIo): string {
  let name: string | undefined;
  try {
    name = userInfo().username;
  } catch {
    name = io.env['USER'];
  }
  return `cli:${name || 'unknown'}`;
}

const thresholdOf = (g: GuardView) =>
  g.settings.enabled ? `>${g.settings.percent}% and >=${g.settings.minimum} in ${g.settings.windowMinutes}m` : 'off';

function lastDecision(g: GuardView): string {
  const d = g.decisions[0];
  return d === undefined ? '-' : `${d.action} by ${d.actor} at ${d.time}`;
}

function guardFields(g: GuardView): string {
  const own = Object.keys(g.overrides);
  return formatFields([
    ['tenant', `${g.tenant.slug} (${g.tenant.name})`],
    ['state', g.state],
    ['since', g.since ?? '-'],
    ['threshold', `${thresholdOf(g)}${own.length > 0 ? ` (tenant's own: ${own.join(', ')})` : ''}`],
    ...(g.heldFrom === null
      ? []
      : ([
          ['held after', `cursor ${g.heldFrom} (tenant.guard_tripped)`],
          ['held events', String(g.heldEvents)],
        ] as const)),
    [
      'last trip',
      g.lastTrip === null
        ? '-'
        : `${g.lastTrip.at}: ${g.lastTrip.deprovisioned} of ${g.lastTrip.activeUsers} active users deprovisioned`,
    ],
  ]);
}

function decisionsTable(g: GuardView): string {
  if (g.decisions.length === 0) return 'No decisions yet.';
  return formatTable(
    ['WHEN', 'DECISION', 'BY', 'DETAIL'],
    g.decisions.map((d) => [d.time, d.action, d.actor, JSON.stringify(d.detail)]),
  );
}

function summaryText(s: GuardSummary): string {
  const sections = [guardFields(s.guard)];
  if (s.guard.state !== 'tripped') {
    sections.push('Nothing is held.');
  } else if (s.changes.length === 0) {
    sections.push('Held: only the guard event (no user or group changed since).');
  } else {
    sections.push(
      formatTable(
        ['NET EFFECT', 'COUNT'],
        Object.entries(s.counts)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([effect, count]) => [effect, String(count)]),
      ),
    );
    sections.push(
      formatTable(
        ['TYPE', 'ID', 'NAME', 'NET EFFECT'],
        s.changes.map((c) => [c.resourceType, c.id, c.name ?? '-', c.effects.join(', ')]),
      ),
    );
  }
  sections.push(decisionsTable(s.guard));
  if (s.guard.state === 'tripped') {
    sections.push(
      `Deliver the held events: scimd guard release ${s.guard.tenant.slug}\n(Nothing is dropped: a reset is refused while events are held.)`,
    );
  }
  return sections.join('\n\n');
}

function parseSettings(values: Record<string, string | boolean | undefined>): GuardSettingsChange {
  const change: Record<string, unknown> = {};
  const number = (flag: string, key: string) => {
    const text = values[flag];
    if (text === undefined) return;
    if (text === 'default') change[key] = null;
    else if (typeof text === 'string' && /^\d+(\.\d+)?$/.test(text)) change[key] = Number(text);
    else throw new UsageError(`--${flag} must be a number or "default", not ${JSON.stringify(text)}`);
  };
  const enabled = values['enabled'];
  if (enabled !== undefined) {
    if (enabled === 'on') change['enabled'] = true;
    else if (enabled === 'off') change['enabled'] = false;
    else if (enabled === 'default') change['enabled'] = null;
    else throw new UsageError(`--enabled must be on, off or default, not ${JSON.stringify(enabled)}`);
  }
  number('percent', 'percent');
  number('minimum', 'minimum');
  number('window', 'windowMinutes');
  if (Object.keys(change).length === 0) {
    throw new UsageError(`nothing to set: give --enabled, --percent, --minimum or --window\nusage: ${GUARD_USAGE[4]}`);
  }
  return change as GuardSettingsChange;
}

export async function runGuardCommand(args: readonly string[], io: CliIo, open: OpenContext): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'status': {
      const { values } = parseCommand(rest, JSON_FLAG, [], GUARD_USAGE[0]);
      const ctx = await open();
      const guards = await listGuards(ctx.store, guardSettingsFrom(ctx.config));
      if (values.json) writeJson(io.stdout, guards);
      else if (guards.length === 0) write(io.stdout, 'No tenants yet.');
      else {
        const rows = guards.map((g) => [
          g.tenant.slug,
          g.state,
          g.since ?? '-',
          g.heldFrom === null ? '-' : `${g.heldEvents} after cursor ${g.heldFrom}`,
          thresholdOf(g),
          g.lastTrip === null ? '-' : `${g.lastTrip.deprovisioned}/${g.lastTrip.activeUsers} at ${g.lastTrip.at}`,
          lastDecision(g),
        ]);
        write(
          io.stdout,
          formatTable(['TENANT', 'STATE', 'SINCE', 'HELD', 'THRESHOLD', 'LAST TRIP', 'LAST DECISION'], rows),
        );
        write(io.stdout, '\nWhat a tenant holds: scimd guard show <slug>');
      }
      return EXIT.ok;
    }
    case 'show': {
      const { values, positionals } = parseCommand(rest, JSON_FLAG, ['<slug>'], GUARD_USAGE[1]);
      const ctx = await open();
      const summary = await summariseHeld(ctx.store, checkSlug(positionals[0]!), guardSettingsFrom(ctx.config));
      if (values.json) writeJson(io.stdout, summary);
      else write(io.stdout, summaryText(summary));
      return EXIT.ok;
    }
    case 'release':
    case 'reset': {
      const usage = sub === 'release' ? GUARD_USAGE[2] : GUARD_USAGE[3];
      const { values, positionals } = parseCommand(rest, JSON_FLAG, ['<slug>'], usage);
      const ctx = await open();
      const slug = checkSlug(positionals[0]!);
      const input = { actor: actor(io), now: ctx.now };
      const global = guardSettingsFrom(ctx.config);
      const before = sub === 'release' ? await readGuard(ctx.store, slug, global) : undefined;
      const guard =
        sub === 'release'
          ? await releaseGuard(ctx.store, slug, input, global)
          : await resetGuard(ctx.store, slug, input, global);
      if (values.json) writeJson(io.stdout, guard);
      else {
        const what =
          sub === 'release'
            ? `Released ${before?.heldEvents ?? 0} held events of ${slug} (after cursor ${before?.heldFrom}); they are delivered in order, followed by tenant.guard_released. The guard is armed again, counting from now.`
            : `The guard of ${slug} is armed, counting deprovisions from now.`;
        write(io.stdout, `${what}\n\n${guardFields(guard)}`);
      }
      return EXIT.ok;
    }
    case 'set': {
      const { values, positionals } = parseCommand(
        rest,
        {
          ...JSON_FLAG,
          enabled: { type: 'string' },
          percent: { type: 'string' },
          minimum: { type: 'string' },
          window: { type: 'string' },
        },
        ['<slug>'],
        GUARD_USAGE[4],
      );
      const change = parseSettings(values);
      const ctx = await open();
      const guard = await configureGuard(
        ctx.store,
        checkSlug(positionals[0]!),
        change,
        { actor: actor(io), now: ctx.now },
        guardSettingsFrom(ctx.config),
      );
      if (values.json) writeJson(io.stdout, guard);
      else write(io.stdout, guardFields(guard));
      return EXIT.ok;
    }
    default:
      throw new UsageError(
        `${sub === undefined ? 'missing subcommand' : `unknown subcommand "${sub}"`}: use status, show, release, reset or set\nusage: ${GUARD_USAGE.join('\n       ')}`,
      );
  }
}
