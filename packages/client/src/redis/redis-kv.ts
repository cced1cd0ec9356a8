import {
  type CacheEntry,
  compileGlob,
  decodeUnencrypted,
  encryptionNotConfigured,
  type JsonValue,
  type KeyScheme,
  kvOptionsOf,
  LIMITS,
  markExpired,
  type OutboxSettings,
  type TenantStats,
} from '@org/cache-core';
import { Cluster, type Redis } from 'ioredis';
import { HitCounter } from '../hit-counter.js';
import { malformedCursor } from '../listing/cursor.js';
import { scanBudget } from '../listing/device-listing.js';
import { matchInSlices } from '../listing/match-in-slices.js';
import type { KeyPage, KvSetItem, WriteContext } from '../transport.js';
import type { Scripts } from './connection.js';
import { outboxArgs } from './redis-devices.js';

/** Why keys are deleted: the operation their events carry. */
type DeleteOperation = 'delete' | 'invalidate' | 'clear';

const DELETE_CHUNK = 500;
/** The JSON text of an encrypted stored-value frame (see the core's stored-value codec). */
const ENCRYPTED_FRAME = /^"\uE0C01[nzb]g/;

/** The generic tenant cache in Redis: one hash per entry and a per-tenant key index, one slot per tenant. */
export class RedisKv {
  readonly #redis: Redis | Cluster;
  readonly #scripts: Scripts;
  readonly #keys: KeyScheme;
  readonly #hits = new HitCounter();
  readonly #outboxArgs: string[];

  constructor(redis: Redis | Cluster, scripts: Scripts, keys: KeyScheme, outbox: OutboxSettings) {
    this.#redis = redis;
    this.#scripts = scripts;
    this.#keys = keys;
    this.#outboxArgs = outboxArgs(outbox);
  }

  #eventArgs(tenant: string, context: WriteContext | undefined): string[] {
    return [...this.#outboxArgs, context?.correlationId ?? '', tenant];
  }

  /** Entries by key; null where absent (positions of keys that expired are marked: `isExpiredAt`). */
  async get(tenant: string, keys: readonly string[]): Promise<(CacheEntry | null)[]> {
    const out = (await this.#scripts.cacheKvGet(
      keys.length + 1,
      this.#keys.kvIndex(tenant),
      ...keys.map((k) => this.#keys.kvEntry(tenant, k)),
      ...keys,
    )) as [number, ...(string | number)[]];
    const now = out[0];
    const expired: number[] = [];
    const entries = keys.map((key, i): CacheEntry | null => {
      const [json, created, version, pttl, gone] = out.slice(1 + i * 5, 6 + i * 5) as [
        string,
        string,
        string,
        number,
        number,
      ];
      if (json === '') {
        if (gone === 1) expired.push(i);
        return null;
      }
      // a compressed (unencrypted) frame reads back for every client, a codec installed or not
      return decodeUnencrypted(
        {
          key,
          value: JSON.parse(json) as JsonValue,
          ttl: pttl < 0 ? null : Math.ceil(pttl / 1000),
          created_at: new Date(Number(created)).toISOString(),
          expires_at: pttl < 0 ? null : new Date(now + pttl).toISOString(),
          version: Number(version),
        },
        tenant,
      );
    });
    const hits = entries.filter((e) => e !== null).length;
    this.#hits.record(tenant, hits, entries.length - hits);
    return markExpired(entries, expired);
  }

  async set(tenant: string, items: readonly KvSetItem[], context?: WriteContext): Promise<CacheEntry[]> {
    // encryption asked for and the value is not an encrypted frame (no codec installed): refused,
    // never stored as plaintext
    if (kvOptionsOf(context).encryption) {
      const plain = items.find((i) => !ENCRYPTED_FRAME.test(i.json));
      if (plain) throw encryptionNotConfigured(plain.key);
    }
    const args: (string | number)[] = this.#eventArgs(tenant, context);
    for (const i of items) args.push(i.key, i.json, i.ttl === null ? 0 : Math.round(i.ttl * 1000));
    // Registered on every write, never from a per-process "already registered" memory: another
    // instance's flush deletes the registry, and a tenant missing from it drops out of kv_entries.
    // On Cluster the registry and the tenant's stream are on different nodes: the registration is
    // awaited before the write, so a reader that lists the streams after reading the watermark
    // never misses a new tenant's first events (readStreams). One Redis runs them in order anyway.
    const registering = Promise.all([
      this.#redis.sadd(this.#keys.kvTenants, tenant),
      this.#redis.sadd(this.#keys.eventTenants, tenant),
    ]);
    if (this.#redis instanceof Cluster) await registering;
    const [out] = await Promise.all([
      this.#scripts.cacheKvSet(
        items.length + 2,
        this.#keys.kvIndex(tenant),
        this.#keys.kvEvents(tenant),
        ...items.map((i) => this.#keys.kvEntry(tenant, i.key)),
        ...args,
      ) as Promise<number[]>,
      registering,
    ]);
    const now = out[0]!;
    return items.map((i, n) => ({
      key: i.key,
      value: JSON.parse(i.json) as JsonValue,
      ttl: i.ttl === null ? null : Math.ceil(i.ttl),
      created_at: new Date(now).toISOString(),
      expires_at: i.ttl === null ? null : new Date(now + Math.round(i.ttl * 1000)).toISOString(),
      version: out[n + 1]!,
    }));
  }

  async delete(
    tenant: string,
    keys: readonly string[],
    context?: WriteContext,
    operation: DeleteOperation = 'delete',
  ): Promise<number> {
    let deleted = 0;
    const eventArgs = [...this.#eventArgs(tenant, context), operation];
    for (let i = 0; i < keys.length; i += DELETE_CHUNK) {
      const chunk = keys.slice(i, i + DELETE_CHUNK);
      deleted += (await this.#scripts.cacheKvDelete(
        chunk.length + 2,
        this.#keys.kvIndex(tenant),
        this.#keys.kvEvents(tenant),
        ...chunk.map((k) => this.#keys.kvEntry(tenant, k)),
        ...eventArgs,
        ...chunk,
      )) as number;
    }
    return deleted;
  }

  /**
   * Walks only this tenant's key index (ZSCAN), so a pattern can never reach another tenant. Keys
   * are matched here with the linear-time `compileGlob` (not Redis MATCH, whose backtracking a
   * hostile pattern could make slow), so a pattern means the same on every transport.
   */
  async invalidate(tenant: string, pattern: string, context?: WriteContext): Promise<number> {
    const match = pattern === '*' ? null : compileGlob(pattern);
    const perSlice = match === null ? 0 : scanBudget(1, match.tokens, LIMITS.keyMaxLength);
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, flat] = await this.#redis.zscan(this.#keys.kvIndex(tenant), cursor, 'COUNT', 500);
      cursor = next;
      const scanned = flat.filter((_, i) => i % 2 === 0);
      const keys = match === null ? scanned : await matchInSlices(scanned, match, perSlice);
      if (keys.length > 0) deleted += await this.delete(tenant, keys, context, 'invalidate');
    } while (cursor !== '0');
    return deleted;
  }

  /**
   * Like SCAN: a page may hold a few more or fewer keys than `limit` (short when the pattern is
   * sparse: at most `scanBudget` index entries are read per call); `next_cursor` is null at the end.
   */
  async listKeys(tenant: string, pattern: string, limit: number, cursor: string | null): Promise<KeyPage> {
    // a ZSCAN cursor: an unsigned 64-bit integer in decimal
    if (cursor !== null && (!/^(0|[1-9][0-9]{0,19})$/.test(cursor) || BigInt(cursor) >= 2n ** 64n)) {
      throw malformedCursor();
    }
    const match = pattern === '*' ? null : compileGlob(pattern);
    const budget = scanBudget(limit, match === null ? 0 : match.tokens, LIMITS.keyMaxLength);
    let next = cursor ?? '0';
    let examined = 0;
    const keys: string[] = [];
    const now = Date.now();
    do {
      const [c, flat] = await this.#redis.zscan(
        this.#keys.kvIndex(tenant),
        next,
        'COUNT',
        Math.max(1, Math.min(limit, budget - examined)),
      );
      next = c;
      examined += flat.length / 2;
      const live: string[] = [];
      for (let i = 0; i < flat.length; i += 2) {
        const score = flat[i + 1]!;
        // Entries without a TTL are scored +inf, which Redis spells "inf".
        if (score === 'inf' || Number(score) > now) live.push(flat[i]!);
      }
      // a small zset answers every entry at once, whatever COUNT: match them in slices
      keys.push(...(match === null ? live : await matchInSlices(live, match, budget)));
    } while (next !== '0' && keys.length < limit && examined < budget);
    return { keys, next_cursor: next === '0' ? null : next };
  }

  async clearTenant(tenant: string, context?: WriteContext): Promise<number> {
    const index = this.#keys.kvIndex(tenant);
    let deleted = 0;
    for (;;) {
      const keys = await this.#redis.zrange(index, 0, DELETE_CHUNK - 1);
      if (keys.length === 0) break;
      deleted += await this.delete(tenant, keys, context, 'clear');
    }
    return deleted;
  }

  async stats(tenant: string): Promise<TenantStats> {
    const keys = await this.#redis.zcount(this.#keys.kvIndex(tenant), `(${Date.now()}`, '+inf');
    return this.#hits.stats(tenant, keys);
  }

  async totalEntries(): Promise<number> {
    let cursor = '0';
    let total = 0;
    do {
      const [next, tenants] = await this.#redis.sscan(this.#keys.kvTenants, cursor, 'COUNT', 500);
      cursor = next;
      const counts = await Promise.all(
        tenants.map((t) => this.#redis.zcount(this.#keys.kvIndex(t), `(${Date.now()}`, '+inf')),
      );
      for (const c of counts) total += c;
    } while (cursor !== '0');
    return total;
  }
}
