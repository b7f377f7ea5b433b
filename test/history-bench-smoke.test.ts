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

  it('history-scale builds the database and runs every query', async () => {
    const report = await measureHistoryScale({ users: 300, file: join(dir, 'scale.db') });
    assert.equal(report.rows, 3000);
    assert.deepEqual(
      report.queries.map((q) => q.name),
      [
        'whole as-of report, streamed',
        'as-of report, one role',
        'as-of report, one group (by displayName)',
        'as-of report, one role, held in memory (the console)',
        'one timeline by userName',
      ],
    );
    const [whole, role, group, , timeline] = report.queries.map((q) => q.count);
    assert.ok(whole! > 0 && role! > 0 && role! < whole! && group! > 0 && group! < whole!);
    assert.equal(timeline, 10);
    assert.match(renderScaleReport(report), /300 users, 3000 rows/);
  });
});
