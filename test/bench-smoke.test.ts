/**
 * Smoke test of the benchmark harness (`npm run bench`): starts the floor and scimd on a small
 * SQLite directory as child processes, runs a few workloads for a fraction of a second each and
 * checks that every response was correct. Never asserts on timing: the figures belong to the
 * benchmark report, not to the test suite.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EMPTY_DIRECTORY } from '../bench/lib/directory.js';
import { runLoad } from '../bench/lib/load.js';
import { renderPreparedCost } from '../bench/lib/prepared-cost.js';
import { renderMarkdown } from '../bench/lib/report.js';
import { type BenchReport, type Measurement, summarise } from '../bench/lib/results.js';
import type { RunningSystem } from '../bench/lib/system.js';
import { floor, type HarnessContext, scimdSqlite } from '../bench/lib/systems.js';
import { type WorkloadId, workload } from '../bench/lib/workloads.js';

const USERS = 200;

describe('benchmark harness (smoke)', () => {
  const tmpDir = mkdtempSync(join(tmpdir(), 'scimd-bench-smoke-'));
  const context: HarnessContext = {
    repoRoot: resolve(import.meta.dirname, '..'),
    tmpDir,
    cacheDir: join(tmpDir, 'cache'),
    profileDir: undefined,
    scimdEntry: 'source',
    postgresUrl: undefined,
    log: () => undefined,
  };
  let bare: RunningSystem;
  let scimd: RunningSystem;
  const measurements: Measurement[] = [];

  before(async () => {
    bare = await floor.start(0, context);
    scimd = await scimdSqlite.start(USERS, context);
  });

  after(async () => {
    await bare?.stop();
    await scimd?.stop();
    rmSync(tmpDir, { recursive: true, force: true });
  });

  async function exercise(system: RunningSystem, id: WorkloadId): Promise<Measurement> {
    const prepared = await workload(id).prepare(system, system.directory ?? EMPTY_DIRECTORY);
    assert.ok(!('unavailable' in prepared), `${id} on ${system.id}: ${JSON.stringify(prepared)}`);
    const run = await runLoad(
      {
        origin: system.origin,
        requests: prepared.requests(),
        connections: 2,
        durationSeconds: 0.25,
        minResponses: 4,
        maxSeconds: 10,
      },
      system.pid,
    );
    assert.ok(run.requests >= 4, `${id}: only ${run.requests} responses`);
    assert.equal(run.errors, 0, `${id}: connection errors`);
    assert.equal(run.non2xx, 0, `${id}: non-2xx responses ${JSON.stringify(run.statusCodes)}`);
    assert.deepEqual(
      Object.keys(run.statusCodes).filter((code) => !code.startsWith('2')),
      [],
    );
    // The floor is measured "at" the size it is compared with, as the harness does.
    const m = summarise({ system: system.id, size: USERS, workload: id }, [run]);
    measurements.push(m);
    return m;
  }

  it('the floor answers Entra Test Connection with an empty list', async () => {
    const m = await exercise(bare, 'test-connection');
    assert.equal(m.status, 'ok');
    assert.deepEqual(Object.keys(m.statusCodes ?? {}), ['200']);
  });

  it('scimd answers the Entra lookups, creates and membership changes correctly under load', async () => {
    for (const id of ['match-username', 'add-member-10', 'entra-cycle'] as const) {
      const m = await exercise(scimd, id);
      assert.equal(m.status, 'ok', id);
      assert.equal(m.reason, undefined, id);
    }
  });

  it('marks a workload the directory is too small for as unavailable, with the reason', async () => {
    const prepared = await workload('add-member-100k').prepare(scimd, scimd.directory!);
    assert.deepEqual(prepared, { unavailable: `no group of 100,000 members at ${USERS} users` });
  });

  it('renders a report with targets, the per-size table and the ratio to the floor', () => {
    const report: BenchReport = {
      date: '2026-01-01',
      settings: {
        profile: 'quick',
        warmupSeconds: 0,
        durationSeconds: 0.3,
        runs: 1,
        connections: 2,
        minResponses: 4,
        maxSeconds: 10,
        prewalkSeconds: 1,
        sizes: { floor: [0], 'scimd-sqlite': [USERS] },
      },
      machine: { cpus: 2, cpuModel: 'test', memoryGb: 1, node: process.version, platform: 'test', loadAverage: [0, 0] },
      versions: {},
      systems: [],
      measurements,
      profiles: [],
      elapsedSeconds: 1,
    };
    const markdown = renderMarkdown(report);
    assert.match(markdown, /^# scimd benchmark — 2026-01-01 \(quick\)/);
    assert.match(markdown, /\| GET filter by userName ≥ 40% of the floor \| scimd \(SQLite\) \| \d+\.\d\d × floor/);
    assert.match(markdown, /## 200 users: req\/s/);
    assert.match(markdown, /\| Match by userName \(eq, 1 hit\) \|/);
    assert.match(markdown, /scimd \(SQLite\) ÷ floor/);
  });
});

describe('the --prepared-cost report', () => {
  it('shows on/off beside control/off, and scimd and database CPU per side', () => {
    const settings = { profile: 'quick', durationSeconds: 1, connections: 10 } as Parameters<
      typeof renderPreparedCost
    >[1];
    const text = renderPreparedCost(
      [
        {
          workload: 'patch-user',
          throughput: { off: 400, control: 396, on: 480 },
          ratio: 1.2,
          controlRatio: 0.99,
          cpu: { off: 1.2, control: 1.21, on: 1.1 },
          databaseCpu: { off: 1.4, control: 1.38, on: 0.9 },
          rounds: 5,
        },
      ],
      settings,
      [0.5, 1.25],
    );
    assert.match(text, /load average 0\.50 → 1\.25\./);
    assert.ok(
      text.includes(
        '| patch-user | 400 | 396 | 480 | 1.200 | 0.990 | 1.200 / 1.210 / 1.100 | 1.400 / 1.380 / 0.900 | 5 |',
      ),
      text,
    );
  });
});
