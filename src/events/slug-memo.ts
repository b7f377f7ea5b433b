/**
 * The slug of each tenant whose events a dispatcher delivers (event JSON names the tenant by
 * slug), remembered so that a stream of events costs one tenant read, not one per event.
 * Bounded (docs/benchmarks.md "What grows with tenants"): at `max` tenants it is emptied and
 * refills with the tenants still delivering, so a deployment of any number of tenants holds at
 * most `max` slugs, and a deleted tenant's slug does not stay for the life of the process.
 */

/** The default bound: 10,000 slugs, about 1 MB. */
export const SLUG_MEMO_ENTRIES = 10_000;

export interface SlugMemo {
  slugOf(tenantId: string): Promise<string>;
  /** Slugs held now (for the bound's test). */
  readonly size: number;
}

/** `read` gives a tenant's slug, or undefined when the tenant is gone (the id stands in for it). */
export function createSlugMemo(
  read: (tenantId: string) => Promise<string | undefined>,
  max: number = SLUG_MEMO_ENTRIES,
): SlugMemo {
  const slugs = new Map<string, string>();
  return {
    async slugOf(tenantId) {
      const known = slugs.get(tenantId);
      if (known !== undefined) return known;
      const slug = (await read(tenantId)) ?? tenantId;
      if (slugs.size >= max) slugs.clear();
      slugs.set(tenantId, slug);
      return slug;
    },
    get size() {
      return slugs.size;
    },
  };
}
