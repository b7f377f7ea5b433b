/**
 * Smoke test of the access history benchmarks (docs/history.md "Cost" and "Scale") at tiny
 * sizes: they run to the end and report sane counts. Never asserts on timing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { measureHistoryCost, renderCostReport } from '../bench/history-cost.js';
import { measureHistoryScale, renderScaleReport } from '../bench/history-scale.js';
import { type HistoryCostRow, renderHistoryCost } from '../bench/lib/history-cost.js';

describe('access history benchmarks (smoke)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scimd-history-bench-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('history-cost measures creates and PATCHes with history on and off', async () => {
    const report = await measureHistoryCost({ users: 20, rounds: 1, concurrency: 4, slice: 7 });
    for (const figures of [report.on, report.off]) {
      assert.ok(figures.createsPerSecond > 0 && figures.patchesPerSecond > 0);
    }
    assert.match(renderCostReport(report), /\| off \/ on \| \d+\.\d{3} \| \d+\.\d{3} \| \d+\.\d{3} \| \d+\.\d{3} \|/);
  });

  it('the --history-cost report shows on/off, with the drain, beside control/off for each backend and workload', () => {
    const row = (backend: HistoryCostRow['backend'], workload: string, on: number): HistoryCostRow => ({
      backend,
      workload,
      throughput: { off: 1000, control: 990, on },
      ratio: on / 1000,
      controlRatio: 0.99,
      cpu: { off: 0.5, control: 0.5, on: 0.6 },
      databaseCpu: { off: Number.NaN, control: Number.NaN, on: Number.NaN },
      rounds: 5,
      pinned: true,
      drainMs: { off: 2, control: 2, on: 12 },
      drainedRatio: on / 1000 / 1.01,
    });
    const settings = { profile: 'quick', durationSeconds: 1, connections: 10 } as Parameters<
      typeof renderHistoryCost
    >[1];
    const text = renderHistoryCost(
      [row('SQLite', 'post-user', 800), row('PostgreSQL', 'patch-user', 950)],
      settings,
      [1.5, 2.25],
    );
    assert.match(text, /load average 1\.50 → 2\.25/);
    assert.match(
      text,
      /\| SQLite \| post-user \| 1000 \| 990 \| 800 \| 0\.800 \| 0\.792 \| 0\.990 \| 2\.0 \/ 2\.0 \/ 12\.0 \| 0\.500 \/ 0\.500 \/ 0\.600 \| 5 \|/,
    );
    assert.match(text, /\| PostgreSQL \| patch-user \| 1000 \| 990 \| 950 \| 0\.950 \| 0\.941 \| 0\.990 \|/);
    assert.match(text, /scimd pinned to CPU 1/);
  });

  it('history-scale builds the database and runs every query', async () => {
    const report = await measureHistoryScale({ users: 300, file: join(dir, 'scale.db') });
    assert.equal(report.rows, 3000);
    const counts = Object.fromEntries(report.queries.map((q) => [q.name, q.count]));
    assert.deepEqual(Object.keys(counts), [
      'whole as-of report, streamed',
      'one page (1,000 users), the first',
      'one page (1,000 users), in the middle (keyset)',
      'one page (1,000 users), the last (keyset)',
      'as-of report, one role',
      'one page of one role, in the middle (keyset)',
      'as-of report, one group (by displayName)',
      'as-of report, one role, held in memory (`scimd access` table)',
      'one timeline by userName',
      'whole report as CSV: time to the first row',
      'whole report as CSV, streamed to the end',
    ]);
    const whole = counts['whole as-of report, streamed']!;
    const role = counts['as-of report, one role']!;
    const group = counts['as-of report, one group (by displayName)']!;
    assert.ok(whole > 0 && role > 0 && role < whole && group > 0 && group < whole);
    // 300 users: the first page is the whole report; the middle one holds those after user 150.
    assert.equal(counts['one page (1,000 users), the first'], whole);
    const middle = counts['one page (1,000 users), in the middle (keyset)']!;
    assert.ok(middle > 0 && middle < whole);
    assert.ok(counts['one page of one role, in the middle (keyset)']! < role);
    assert.equal(counts['one timeline by userName'], 10);
    assert.equal(counts['whole report as CSV, streamed to the end'], whole);
    assert.match(renderScaleReport(report), /300 users, 3000 rows/);
  });
});
