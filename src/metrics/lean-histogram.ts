/**
 * A labelled histogram for the hot path, exposed through a prom-client `Registry` as a custom
 * metric. prom-client's own Histogram and Counter build, validate and hash the label set on
 * every observation (a closure and a string key each time, even through `.labels()`); SCIM
 * requests observe three or more series each (the request counter and histogram, and every SQL
 * statement), so that cost shows in throughput (docs/benchmarks.md "What metrics cost"). Here a
 * series is a cell made once per label set; observing is a bucket search and three additions.
 *
 * The exposition is prom-client's: the same `_bucket{le=…}` / `_sum` / `_count` lines in the
 * same label order, and an optional counter of the same series (its `_total` twin).
 */
import type { Registry } from 'prom-client';

type Labels = Readonly<Record<string, string>>;

export interface HistogramCell {
  observe(value: number): void;
}

interface Cell extends HistogramCell {
  readonly labels: Labels;
  /** Observations at or below each bound, not yet cumulative; the last slot is +Inf. */
  readonly counts: number[];
  sum: number;
  count: number;
}

interface MetricValue {
  readonly value: number;
  readonly labels: Labels;
  readonly metricName?: string;
}

export interface LeanHistogramOptions {
  readonly name: string;
  readonly help: string;
  readonly buckets: readonly number[];
  /** Also expose each series' count as a counter of this name. */
  readonly counter?: { readonly name: string; readonly help: string };
  readonly registry: Registry;
}

export interface LeanHistogram {
  /** The series of `labels`, made on first use; keep it rather than asking again per observation. */
  cell(labels: Labels): HistogramCell;
  /** Forgets the series of exactly `labels`. */
  remove(labels: Labels): void;
}

const keyOf = (labels: Labels) => JSON.stringify(labels);

export function leanHistogram(options: LeanHistogramOptions): LeanHistogram {
  const bounds = [...options.buckets].sort((a, b) => a - b);
  const boundLabels = [...bounds.map(String), '+Inf'];
  const cells = new Map<string, Cell>();

  const newCell = (labels: Labels): Cell => {
    const cell: Cell = {
      labels: { ...labels },
      counts: new Array<number>(bounds.length + 1).fill(0),
      sum: 0,
      count: 0,
      observe(value) {
        let slot = 0;
        while (slot < bounds.length && value > bounds[slot]!) slot++;
        cell.counts[slot]! += 1;
        cell.sum += value;
        cell.count += 1;
      },
    };
    return cell;
  };

  const histogramValues = (): MetricValue[] => {
    const values: MetricValue[] = [];
    for (const cell of cells.values()) {
      let cumulative = 0;
      cell.counts.forEach((n, slot) => {
        cumulative += n;
        values.push({
          metricName: `${options.name}_bucket`,
          labels: { le: boundLabels[slot]!, ...cell.labels },
          value: cumulative,
        });
      });
      values.push({ metricName: `${options.name}_sum`, labels: cell.labels, value: cell.sum });
      values.push({ metricName: `${options.name}_count`, labels: cell.labels, value: cell.count });
    }
    return values;
  };

  // In place: cells handed out by `cell()` keep counting into the exposed series.
  const reset = () => {
    for (const cell of cells.values()) {
      cell.counts.fill(0);
      cell.sum = 0;
      cell.count = 0;
    }
  };
  const register = (name: string, help: string, type: 'histogram' | 'counter', values: () => MetricValue[]) => {
    // The shape prom-client's Registry reads from a metric (`get`, `reset`); registerMetric's
    // declared parameter is its own classes, so the object is passed through `unknown`.
    const metric = {
      name,
      help,
      type,
      get: async () => ({ name, help, type, values: values(), aggregator: 'sum' }),
      reset,
    };
    options.registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
  };
  register(options.name, options.help, 'histogram', histogramValues);
  if (options.counter !== undefined) {
    const { name, help } = options.counter;
    register(name, help, 'counter', () =>
      [...cells.values()].map((cell) => ({ labels: cell.labels, value: cell.count })),
    );
  }

  return {
    cell(labels) {
      const key = keyOf(labels);
      let cell = cells.get(key);
      if (cell === undefined) {
        cell = newCell(labels);
        cells.set(key, cell);
      }
      return cell;
    },
    remove(labels) {
      cells.delete(keyOf(labels));
    },
  };
}
