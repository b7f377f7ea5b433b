import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Counter, Histogram, Registry } from 'prom-client';
import { leanHistogram } from './lean-histogram.js';

const BUCKETS = [0.001, 0.01, 0.1, 1, 10];
const NAME = 'test_duration_seconds';
const COUNTER = 'test_requests_total';
const HELP = 'A test series.';

/** prom-client's own Histogram and Counter, observed the same way: the reference exposition. */
function reference() {
  const registry = new Registry();
  const histogram = new Histogram({
    name: NAME,
    help: HELP,
    labelNames: ['route', 'status'],
    buckets: BUCKETS,
    registers: [registry],
  });
  const counter = new Counter({ name: COUNTER, help: HELP, labelNames: ['route', 'status'], registers: [registry] });
  return {
    registry,
    observe(labels: Record<string, string>, value: number) {
      histogram.observe(labels, value);
      counter.inc(labels);
    },
    remove(labels: Record<string, string>) {
      histogram.remove(labels);
      counter.remove(labels);
    },
  };
}

function lean() {
  const registry = new Registry();
  const series = leanHistogram({
    name: NAME,
    help: HELP,
    buckets: BUCKETS,
    counter: { name: COUNTER, help: HELP },
    registry,
  });
  return {
    registry,
    observe: (labels: Record<string, string>, value: number) => series.cell(labels).observe(value),
    remove: (labels: Record<string, string>) => series.remove(labels),
  };
}

const labelSet = fc.record({
  route: fc.constantFrom('/Users', '/Users/:id', '/Groups', 'a "quoted"\\route\n'),
  status: fc.constantFrom('2xx', '4xx', '5xx'),
});
// Values on and around the bounds, and far past the last one.
const value = fc.oneof(fc.constantFrom(0, ...BUCKETS, 60), fc.double({ min: 0, max: 100, noNaN: true }));

describe('lean histogram', () => {
  it('exposes exactly what prom-client exposes for the same observations and removals', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.boolean(), labelSet, value), { maxLength: 60 }), async (steps) => {
        const expected = reference();
        const actual = lean();
        for (const [isRemoval, labels, v] of steps) {
          // A removal one time in ten.
          if (isRemoval && v < 10) {
            expected.remove(labels);
            actual.remove(labels);
          } else {
            expected.observe(labels, v);
            actual.observe(labels, v);
          }
        }
        assert.equal(await actual.registry.metrics(), await expected.registry.metrics());
      }),
      { numRuns: 200 },
    );
  });

  it('puts a value equal to a bound in that bound, and one past the last bound only in +Inf', async () => {
    const registry = new Registry();
    const series = leanHistogram({ name: NAME, help: HELP, buckets: [1, 2], registry });
    const cell = series.cell({ op: 'select' });
    cell.observe(1);
    cell.observe(2.5);
    assert.deepEqual(
      (await registry.metrics()).split('\n').filter((line) => line.startsWith(NAME)),
      [
        `${NAME}_bucket{le="1",op="select"} 1`,
        `${NAME}_bucket{le="2",op="select"} 1`,
        `${NAME}_bucket{le="+Inf",op="select"} 2`,
        `${NAME}_sum{op="select"} 3.5`,
        `${NAME}_count{op="select"} 2`,
      ],
    );
  });

  it('zeroes on a registry reset, and a cell kept from before counts on in the exposed series', async () => {
    const registry = new Registry();
    const series = leanHistogram({
      name: NAME,
      help: HELP,
      buckets: [1],
      counter: { name: COUNTER, help: HELP },
      registry,
    });
    const kept = series.cell({ op: 'insert' });
    kept.observe(0.5);
    registry.resetMetrics();
    kept.observe(3);
    const lines = (await registry.metrics()).split('\n');
    assert.ok(lines.includes(`${NAME}_count{op="insert"} 1`), lines.join('\n'));
    assert.ok(lines.includes(`${COUNTER}{op="insert"} 1`), lines.join('\n'));
    assert.ok(lines.includes(`${NAME}_bucket{le="1",op="insert"} 0`), lines.join('\n'));
  });
});
