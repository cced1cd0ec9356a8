import { type CacheEntry, globToRegExp, type JsonValue } from '@org/cache-core';
import type { KeyPage, KvSetItem } from '../transport.js';

interface StoredEntry {
  json: string;
  created: number;
  version: number;
  /** Epoch ms, or null for no expiry. */
  expiresAt: number | null;
}

/** The generic tenant cache in process memory. Each tenant has its own map: no key is shared. */
export class MemoryKv {
  readonly #tenants = new Map<string, Map<string, StoredEntry>>();

  get(tenant: string, keys: readonly string[]): (CacheEntry | null)[] {
    const now = Date.now();
    const map = this.#tenants.get(tenant);
    return keys.map((key) => {
      const e = map?.get(key);
      if (!e) return null;
      if (e.expiresAt !== null && e.expiresAt <= now) {
        map!.delete(key);
        return null;
      }
      return toEntry(key, e, now);
    });
  }

  set(tenant: string, items: readonly KvSetItem[]): CacheEntry[] {
    const now = Date.now();
    let map = this.#tenants.get(tenant);
    if (!map) {
      map = new Map();
      this.#tenants.set(tenant, map);
    }
    return items.map(({ key, json, ttl }) => {
      const previous = map.get(key);
      const e: StoredEntry = {
        json,
        created: now,
        version: (previous?.version ?? 0) + 1,
        expiresAt: ttl === null ? null : now + ttl * 1000,
      };
      map.set(key, e);
      return toEntry(key, e, now);
    });
  }

  delete(tenant: string, keys: readonly string[]): number {
    const map = this.#tenants.get(tenant);
    const now = Date.now();
    let deleted = 0;
    for (const key of keys) {
      const e = map?.get(key);
      if (e && map!.delete(key) && (e.expiresAt === null || e.expiresAt > now)) deleted++;
    }
    return deleted;
  }

  invalidate(tenant: string, pattern: string): number {
    const re = globToRegExp(pattern);
    return this.delete(
      tenant,
      [...(this.#tenants.get(tenant)?.keys() ?? [])].filter((k) => re.test(k)),
    );
  }

  listKeys(tenant: string, pattern: string, limit: number, cursor: string | null): KeyPage {
    const re = globToRegExp(pattern);
    const now = Date.now();
    const all = [...(this.#tenants.get(tenant) ?? new Map<string, StoredEntry>())]
      .filter(([k, e]) => (e.expiresAt === null || e.expiresAt > now) && re.test(k))
      .map(([k]) => k)
      .sort();
    const start = cursor === null ? 0 : all.findIndex((k) => k > cursor);
    const keys = start < 0 ? [] : all.slice(start, start + limit);
    const more = start >= 0 && start + limit < all.length;
    return { keys, next_cursor: more ? keys[keys.length - 1]! : null };
  }

  clearTenant(tenant: string): number {
    const count = this.count(tenant);
    this.#tenants.delete(tenant);
    return count;
  }

  count(tenant: string): number {
    const now = Date.now();
    let n = 0;
    for (const e of this.#tenants.get(tenant)?.values() ?? [])
      if (e.expiresAt === null || e.expiresAt > now) n++;
    return n;
  }

  totalEntries(): number {
    let n = 0;
    for (const tenant of this.#tenants.keys()) n += this.count(tenant);
    return n;
  }

  clear(): void {
    this.#tenants.clear();
  }
}

function toEntry(key: string, e: StoredEntry, now: number): CacheEntry {
  return {
    key,
    value: JSON.parse(e.json) as JsonValue,
    ttl: e.expiresAt === null ? null : Math.max(0, Math.ceil((e.expiresAt - now) / 1000)),
    created_at: new Date(e.created).toISOString(),
    expires_at: e.expiresAt === null ? null : new Date(e.expiresAt).toISOString(),
    version: e.version,
  };
}
