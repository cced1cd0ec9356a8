import type { TenantStats } from '@org/cache-core';

/** Per-tenant hit and miss counts of one client process (the backends keep no read counters). */
export class HitCounter {
  readonly #counts = new Map<string, { hits: number; misses: number }>();

  record(tenant: string, hits: number, misses: number): void {
    const c = this.#counts.get(tenant);
    if (c) {
      c.hits += hits;
      c.misses += misses;
    } else this.#counts.set(tenant, { hits, misses });
  }

  stats(tenant: string, keys: number): TenantStats {
    const { hits, misses } = this.#counts.get(tenant) ?? { hits: 0, misses: 0 };
    return { tenant, keys, hits, misses, hit_rate: hits + misses === 0 ? 0 : hits / (hits + misses) };
  }
}
