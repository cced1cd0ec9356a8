import type { CacheTypePolicy, ConfigUpdate } from '@org/cache-core';

/**
 * The cache policies received on `config.cache.update`, held in process. Applying them to writes
 * is not wired yet: readers (`defaultTtlSeconds`, `policy(type)`) see the latest accepted update.
 */
export class HubRuntimeConfig {
  #defaultTtlSeconds: number | null;
  readonly #policies = new Map<string, CacheTypePolicy>();
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

  policy(cacheType: string): CacheTypePolicy | undefined {
    return this.#policies.get(cacheType);
  }

  /** Every cache type's policy, sorted by name. */
  policies(): [string, CacheTypePolicy][] {
    return [...this.#policies].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Applies a validated update: the default TTL when given, and the named cache types (others kept). */
  apply(update: ConfigUpdate): void {
    if (update.default_ttl !== undefined) this.#defaultTtlSeconds = update.default_ttl;
    for (const [type, policy] of Object.entries(update.cache_types ?? {})) this.#policies.set(type, policy);
    this.#version++;
  }
}
