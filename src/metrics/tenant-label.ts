/**
 * The `tenant` label of per-tenant series, bounded whatever the number of tenants
 * (`SCIMD_METRICS_TENANTS`, docs/operations.md): at most N + 1 values exist at any time.
 *
 * - `allow`: the listed slugs are their own value, every other tenant is `other`;
 * - `top:<N>`: the N busiest tenants of the previous window (5 minutes) are their own value.
 *   Until the first window closes, the first N tenants seen are. When a window closes, tenants
 *   that left the top N are handed to `onDropped` (their series are removed) and count as
 *   `other` from then on.
 */
import type { MetricsTenants } from '../config/config.js';

export const OTHER_TENANT = 'other';

/** How long the `top:<N>` ranking window lasts. */
export const TOP_WINDOW_MS = 5 * 60 * 1000;

export interface TenantLabeler {
  /** The label value for a request of `slug` (undefined: unauthenticated), counting it. */
  label(slug: string | undefined): string;
}

export interface TenantLabelOptions {
  readonly clock?: () => number;
  /** Tenants whose own label value was withdrawn (their series should go). */
  readonly onDropped?: (slug: string) => void;
  readonly windowMs?: number;
}

export function createTenantLabeler(setting: MetricsTenants, options: TenantLabelOptions = {}): TenantLabeler {
  if (setting.mode === 'off') return { label: () => OTHER_TENANT };
  if (setting.mode === 'allow') {
    const allowed = new Set(setting.slugs);
    return { label: (slug) => (slug !== undefined && allowed.has(slug) ? slug : OTHER_TENANT) };
  }
  const limit = setting.count;
  const clock = options.clock ?? Date.now;
  const windowMs = options.windowMs ?? TOP_WINDOW_MS;
  let windowEnd = clock() + windowMs;
  // Requests per tenant in the current window: bounded by the number of real tenants, since
  // only authenticated slugs are counted.
  let counts = new Map<string, number>();
  let labelled = new Set<string>();

  function closeWindow(now: number): void {
    const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const next = new Set(ranked.slice(0, limit).map(([slug]) => slug));
    for (const slug of labelled) if (!next.has(slug)) options.onDropped?.(slug);
    labelled = next;
    counts = new Map();
    // Several idle windows may have passed: the next one starts now.
    windowEnd = now + windowMs;
  }

  return {
    label(slug) {
      const now = clock();
      if (now >= windowEnd) closeWindow(now);
      if (slug === undefined) return OTHER_TENANT;
      counts.set(slug, (counts.get(slug) ?? 0) + 1);
      if (labelled.has(slug)) return slug;
      if (labelled.size < limit) {
        labelled.add(slug);
        return slug;
      }
      return OTHER_TENANT;
    },
  };
}
