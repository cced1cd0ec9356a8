import type { CacheTypePolicy, ConfigUpdate } from '@org/cache-core';

/**
 * The cache policies received on `config.cache.update`, held in process. Applying them to writes
 * is not wired yet: readers (`defaultTtlSeconds`, `policy(service, type)`) see the latest accepted update.
 */
export class HubRuntimeConfig {
  #defaultTtlSeconds: number | null;
  /** By service (a tenant id or `*`), then cache type. */
  readonly #policies = new Map<string, Map<string, CacheTypePolicy>>();
  #version = 0;

  constructor(defaultTtlSeconds: number | null = null) {
    this.#defaultTtlSeconds = defaultTtlSeconds;
  }

  /** The default TTL (s) last set, or the starting value (null: not set by the hub). */
  get defaultTtlSeconds(): number | null {
    return this.#defaultTtlSeconds;
  }

  /** Updates accepted so far. */
  get version(): number {
    return this.#version;
  }

  /** A cache type's policy for a service: its own, else the `*` service's. */
  policy(service: string, cacheType: string): CacheTypePolicy | undefined {
    return this.#policies.get(service)?.get(cacheType) ?? this.#policies.get('*')?.get(cacheType);
  }

  /** Every policy as `{ service: { cache_types: { type: policy } } }` (the policy file's shape). */
  snapshot(): Record<string, { cache_types: Record<string, CacheTypePolicy> }> {
    const out: Record<string, { cache_types: Record<string, CacheTypePolicy> }> = {};
    for (const [service, types] of this.#policies) out[service] = { cache_types: Object.fromEntries(types) };
    return out;
  }

  /** Applies a validated update: the default TTL when given, and the named cache types (others kept). */
  apply(update: ConfigUpdate): void {
    if (update.default_ttl !== undefined) this.#defaultTtlSeconds = update.default_ttl;
    for (const [service, { cache_types }] of Object.entries(update.services ?? {})) {
      let types = this.#policies.get(service);
      if (!types) {
        types = new Map();
        this.#policies.set(service, types);
      }
      for (const [type, policy] of Object.entries(cache_types)) types.set(type, policy);
    }
    this.#version++;
  }
}
