import {
  type CacheEntry,
  compileGlob,
  decodeUnencrypted,
  type JsonValue,
  LIMITS,
  markExpired,
} from '@org/cache-core';
import { decodeCursor, encodeCursor } from '../listing/cursor.js';
import { scanBudget } from '../listing/device-listing.js';
import { matchInSlices } from '../listing/match-in-slices.js';
import type { KeyPage, KvSetItem } from '../transport.js';

/** What a key change's event says: set, or why it was deleted. */
export type KvOperation = 'set' | 'delete' | 'invalidate' | 'clear';

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
  readonly #writesSinceSweep = new Map<string, number>();
  /** Called once per key a write changes (the outbox). */
  readonly #changed: (tenant: string, key: string, operation: KvOperation) => void;

  constructor(changed: (tenant: string, key: string, operation: KvOperation) => void = () => {}) {
    this.#changed = changed;
  }

  /**
   * Entries by key; null where absent. Like the Redis key index, an expired entry is remembered
   * for a while (until a sweep on a later write of the tenant): its position is marked expired
   * (`isExpiredAt`, CACHE_002).
   */
  get(tenant: string, keys: readonly string[]): (CacheEntry | null)[] {
    const now = Date.now();
    const map = this.#tenants.get(tenant);
    const expired: number[] = [];
    const entries = keys.map((key, i) => {
      const e = map?.get(key);
      if (!e) return null;
      if (e.expiresAt !== null && e.expiresAt <= now) {
        expired.push(i);
        return null;
      }
      // a compressed (unencrypted) frame reads back for every client, a codec installed or not
      return decodeUnencrypted(toEntry(key, e, now), tenant);
    });
    return markExpired(entries, expired);
  }

  set(tenant: string, items: readonly KvSetItem[]): CacheEntry[] {
    const now = Date.now();
    let map = this.#tenants.get(tenant);
    if (!map) {
      map = new Map();
      this.#tenants.set(tenant, map);
    }
    this.#sweep(tenant, map, now, items.length);
    return items.map(({ key, json, ttl }) => {
      const stored = map.get(key);
      const previous = stored && (stored.expiresAt === null || stored.expiresAt > now) ? stored : undefined;
      const e: StoredEntry = {
        json,
        created: now,
        version: (previous?.version ?? 0) + 1,
        expiresAt: ttl === null ? null : now + ttl * 1000,
      };
      map.set(key, e);
      this.#changed(tenant, key, 'set');
      return toEntry(key, e, now);
    });
  }

  /**
   * Forgets the tenant's expired entries (as the Redis set script trims the key index), once per
   * as many writes as the tenant has entries: amortized O(1) per write.
   */
  #sweep(tenant: string, map: Map<string, StoredEntry>, now: number, writes: number): void {
    const due = (this.#writesSinceSweep.get(tenant) ?? 0) + writes;
    if (due < map.size) {
      this.#writesSinceSweep.set(tenant, due);
      return;
    }
    this.#writesSinceSweep.set(tenant, 0);
    for (const [key, e] of map) if (e.expiresAt !== null && e.expiresAt <= now) map.delete(key);
  }

  delete(tenant: string, keys: readonly string[], operation: KvOperation = 'delete'): number {
    const map = this.#tenants.get(tenant);
    const now = Date.now();
    let deleted = 0;
    for (const key of keys) {
      const e = map?.get(key);
      if (e && map!.delete(key) && (e.expiresAt === null || e.expiresAt > now)) {
        deleted++;
        this.#changed(tenant, key, operation);
      }
    }
    return deleted;
  }

  /** The keys matching a pattern, matching a bounded number of keys per turn of the event loop. */
  async matching(tenant: string, pattern: string): Promise<string[]> {
    const match = compileGlob(pattern);
    const keys = [...(this.#tenants.get(tenant)?.keys() ?? [])];
    return matchInSlices(keys, match, scanBudget(1, match.tokens, LIMITS.keyMaxLength));
  }

  /**
   * A page of live keys in key order after the cursor. Bounded work per call: at most
   * `scanBudget(limit, pattern tokens)` keys are matched, so a page may be short with a cursor.
   */
  listKeys(tenant: string, pattern: string, limit: number, cursor: string | null): KeyPage {
    const after = cursor === null ? null : decodeCursor(cursor, 'key').after;
    const match = pattern === '*' ? null : compileGlob(pattern);
    const budget = scanBudget(limit, match === null ? 0 : match.tokens, LIMITS.keyMaxLength);
    const now = Date.now();
    const all = [...(this.#tenants.get(tenant) ?? new Map<string, StoredEntry>())]
      .filter(([k, e]) => (e.expiresAt === null || e.expiresAt > now) && (after === null || k > after))
      .map(([k]) => k)
      .sort();
    const keys: string[] = [];
    let i = 0;
    for (; i < all.length && i < budget && keys.length < limit; i++) {
      if (match === null || match(all[i]!)) keys.push(all[i]!);
    }
    return { keys, next_cursor: i < all.length ? encodeCursor({ s: 'key', after: all[i - 1]! }) : null };
  }

  clearTenant(tenant: string): number {
    return this.delete(tenant, [...(this.#tenants.get(tenant)?.keys() ?? [])].sort(), 'clear');
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
