/** Renders a run's results as the Markdown report a person reads (the JSON holds everything). */
import { SPARE_USERS } from '../shared/directory.mjs';
import type { BenchReport, Measurement } from './results.js';
import type { SystemId } from './system.js';
import { evaluateTargets, find, PEERS, SCIMD } from './targets.js';
import { WORKLOADS, type WorkloadId } from './workloads.js';

const LABELS: Record<SystemId, string> = {
  floor: 'floor',
  'scimd-sqlite': 'scimd (SQLite)',
  'scimd-postgres': 'scimd (PostgreSQL)',
  scimmy: 'SCIMMY',
  'better-auth': 'Better Auth',
};

const count = (n: number) => Math.round(n).toLocaleString('en-US');
/** Throughput: whole numbers, except below 10 req/s. */
const rate = (n: number) => (n < 10 ? n.toFixed(1) : count(n));
const ms = (n: number | undefined) =>
  n === undefined ? '–' : n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : count(n);
const cpu = (n: number | undefined) => (n === undefined ? '–' : n < 1 ? n.toFixed(3) : n.toFixed(2));
const title = (id: WorkloadId) => WORKLOADS.find((w) => w.id === id)!.title;

function cell(m: Measurement | undefined, notes: Map<string, number>): string {
  if (m === undefined) return '';
  if (m.status !== 'ok' || m.throughput === undefined) {
    const reason = m.reason ?? 'not measured';
    if (!notes.has(reason)) notes.set(reason, notes.size + 1);
    return `n/a [${notes.get(reason)}]`;
  }
  const flag = m.reason === undefined ? '' : ' ⚠';
  const database = m.databaseCpuMsPerRequest === undefined ? '' : ` + db ${cpu(m.databaseCpuMsPerRequest)}`;
  return `${rate(m.throughput)} · ${ms(m.p50)}/${ms(m.p99)} · ${cpu(m.cpuMsPerRequest)}${database}${flag}`;
}

function ratio(a: Measurement | undefined, b: Measurement | undefined): string {
  if (a?.throughput === undefined || b?.throughput === undefined || b.throughput === 0) return '–';
  const r = a.throughput / b.throughput;
  return r >= 10 ? `${r.toFixed(0)}×` : `${r.toFixed(2)}×`;
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function systemsIn(report: BenchReport): SystemId[] {
  const present = new Set(report.measurements.map((m) => m.system));
  return (['floor', ...SCIMD, ...PEERS] as SystemId[]).filter((s) => present.has(s));
}

export function renderMarkdown(report: BenchReport): string {
  const { settings, machine } = report;
  const out: string[] = [];
  const notes = new Map<string, number>();
  const systems = systemsIn(report);
  const sizes = [...new Set(report.measurements.filter((m) => m.system !== 'floor').map((m) => m.size))].sort(
    (a, b) => a - b,
  );

  out.push(`# scimd benchmark — ${report.date} (${settings.profile})`, '');
  out.push(
    `${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB, Node ${machine.node} (${machine.platform}). ` +
      `Load: autocannon in the harness process, ${settings.connections} connections, closed loop, on loopback; ` +
      `each figure is the median of ${settings.runs} run(s) of ${settings.durationSeconds} s after a ` +
      `${settings.warmupSeconds} s warm-up. Every system is its own Node process. Whole run: ${Math.round(report.elapsedSeconds)} s; ` +
      `load average ${machine.loadAverage.map((l) => l.toFixed(1)).join(' → ')} (anything above ${machine.cpus} means other work shared the CPUs). ` +
      'Method and caveats: docs/benchmarks.md.',
    '',
  );
  const measured = WORKLOADS.filter((w) => report.measurements.some((m) => m.workload === w.id));
  if (measured.length < WORKLOADS.length) {
    out.push(
      `This run measured ${measured.length} of the ${WORKLOADS.length} workloads (${measured.map((w) => w.id).join(', ')}).`,
      '',
    );
  }

  out.push('## Targets', '');
  out.push(
    table(
      ['target', 'system', 'measured', 'result'],
      evaluateTargets(report).map((t) => [
        t.target,
        LABELS[t.system],
        t.measured,
        t.pass === undefined ? 'not evaluated' : t.pass ? 'met' : '**missed**',
      ]),
    ),
    '',
  );

  out.push('## Systems', '');
  out.push(
    table(
      ['system', 'users', 'seeded by', 'seed time', 'RSS idle', 'RSS peak under load'],
      report.systems.map((s) => {
        const peaks = report.measurements
          .filter((m) => m.system === s.system && (m.size === s.size || s.system === 'floor') && m.rssMb !== undefined)
          .map((m) => m.rssMb!);
        return [
          LABELS[s.system],
          s.system === 'floor' ? '–' : count(s.size),
          s.status === 'ok' ? (s.seedMethod ?? '') : `${s.status}: ${s.reason ?? ''}`,
          s.seedSeconds === undefined ? '' : `${s.seedSeconds.toFixed(1)} s`,
          s.idleRssMb === undefined ? '' : `${s.idleRssMb.toFixed(0)} MB`,
          peaks.length === 0 ? '' : `${Math.max(...peaks).toFixed(0)} MB`,
        ];
      }),
    ),
    '',
  );

  for (const size of sizes) {
    const floor = find(report, 'floor', 'test-connection', size) ?? find(report, 'floor', 'test-connection');
    out.push(
      `## ${count(size)} users: req/s · latency p50/p99 ms · server CPU ms per request (+ db: PostgreSQL's backends)`,
      '',
    );
    const columns = systems.filter(
      (s) => s !== 'floor' && report.measurements.some((m) => m.system === s && m.size === size),
    );
    const rows = WORKLOADS.filter((w) => report.measurements.some((m) => m.workload === w.id && m.size === size)).map(
      (w) => {
        const floorCell = w.id === 'test-connection' && floor ? cell(floor, notes) : '';
        return [
          w.title,
          ...(systems.includes('floor') ? [floorCell] : []),
          ...columns.map((s) =>
            cell(
              report.measurements.find((m) => m.system === s && m.size === size && m.workload === w.id),
              notes,
            ),
          ),
        ];
      },
    );
    out.push(
      table(['workload', ...(systems.includes('floor') ? ['floor'] : []), ...columns.map((s) => LABELS[s])], rows),
      '',
    );

    const scimds = SCIMD.filter((s) => columns.includes(s));
    const others: SystemId[] = [
      ...(floor ? (['floor'] as SystemId[]) : []),
      ...PEERS.filter((p) => columns.includes(p)),
    ];
    if (scimds.length > 0 && others.length > 0) {
      out.push(
        `Ratios at ${count(size)} users (scimd throughput ÷ the other's, same workload; the floor's figure is its one route):`,
        '',
      );
      const header = ['workload', ...scimds.flatMap((s) => others.map((o) => `${LABELS[s]} ÷ ${LABELS[o]}`))];
      const ratioRows = WORKLOADS.filter((w) =>
        report.measurements.some((m) => m.workload === w.id && m.size === size),
      ).map((w) => [
        w.title,
        ...scimds.flatMap((s) =>
          others.map((o) => ratio(find(report, s, w.id, size), o === 'floor' ? floor : find(report, o, w.id, size))),
        ),
      ]);
      out.push(table(header, ratioRows), '');
    }
  }

  for (const system of SCIMD.filter((s) => systems.includes(s))) {
    const own = sizes.filter((size) => report.measurements.some((m) => m.system === system && m.size === size));
    if (own.length < 2) continue;
    out.push(`## Cost curve: ${LABELS[system]} as the directory grows (req/s · p50 ms · CPU ms/request)`, '');
    out.push(
      table(
        ['workload', ...own.map((s) => `${count(s)} users`)],
        WORKLOADS.map((w) => [
          w.title,
          ...own.map((size) => {
            const m = find(report, system, w.id, size);
            return m ? `${rate(m.throughput!)} · ${ms(m.p50)} · ${cpu(m.cpuMsPerRequest)}` : '–';
          }),
        ]),
      ),
      '',
    );
  }
  for (const system of SCIMD.filter((s) => systems.includes(s))) {
    const size = Math.max(...report.measurements.filter((m) => m.system === system).map((m) => m.size));
    const rows = (['add-member-10', 'add-member-1k', 'add-member-100k'] as const)
      .map((id) => [id, find(report, system, id, size)] as const)
      .filter(([, m]) => m !== undefined)
      .map(([id, m]) => [
        id.replace('add-member-', ''),
        rate(m!.throughput!),
        ms(m!.p50),
        ms(m!.p99),
        cpu(m!.cpuMsPerRequest),
      ]);
    if (rows.length < 2) continue;
    out.push(
      `## Cost curve: ${LABELS[system]} as the group grows (add then remove one member, ${count(size)} users)`,
      '',
    );
    out.push(table(['members', 'req/s', 'p50 ms', 'p99 ms', 'CPU ms/request'], rows), '');
  }

  const notesOf = report.measurements.filter((m) => m.status === 'ok' && m.note !== undefined);
  if (notesOf.length > 0) {
    out.push('## Workload details', '');
    const seen = new Set<string>();
    for (const m of notesOf) {
      const line = `- ${title(m.workload)}, ${LABELS[m.system]} at ${count(m.size)} users: ${m.note}`;
      if (!seen.has(line)) out.push(line);
      seen.add(line);
    }
    out.push('');
  }
  // Every workload should find the directory as seeded: write workloads remove what they added.
  const grown = report.measurements.filter(
    (m) => m.usersHeld !== undefined && Math.abs(m.usersHeld - (m.size + SPARE_USERS)) > (m.size + SPARE_USERS) / 100,
  );
  if (grown.length > 0) {
    out.push('## Tenant not at its seeded size', '');
    for (const m of grown) {
      out.push(
        `- ${title(m.workload)}, ${LABELS[m.system]} at ${count(m.size)} users: the tenant held ${count(m.usersHeld!)} users`,
      );
    }
    out.push('');
  }
  const warnings = report.measurements.filter((m) => m.status === 'ok' && m.reason !== undefined);
  if (warnings.length > 0) {
    out.push('## Errors under load (⚠)', '');
    for (const m of warnings)
      out.push(`- ${title(m.workload)}, ${LABELS[m.system]} at ${count(m.size)} users: ${m.reason}`);
    out.push('');
  }
  if (notes.size > 0) {
    out.push('## Not measured (n/a)', '');
    for (const [reason, n] of notes) out.push(`${n}. ${reason}`);
    out.push('');
  }
  for (const profile of report.profiles) {
    out.push(
      `## CPU profile: ${LABELS[profile.system]} at ${count(profile.size)} users (self time, share of busy CPU)`,
      '',
    );
    out.push(
      table(
        ['%', 'function'],
        profile.top.map((t) => [t.percent.toFixed(1), `\`${t.fn}\``]),
      ),
      '',
    );
  }
  out.push(
    '## Versions',
    '',
    Object.entries(report.versions)
      .map(([name, version]) => `${name} ${version}`)
      .join(', '),
    '',
  );
  return out.join('\n');
}
