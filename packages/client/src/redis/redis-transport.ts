import {
  type CacheEntry,
  type CacheEvent,
  type CacheInfo,
  createKeyScheme,
  DEFAULT_OUTBOX,
  DEFAULT_TTL_SECONDS,
  type DeviceMetadata,
  type DevicePage,
  type FutureDevicePage,
  type HealthStatus,
  type KeyScheme,
  type OutboxSettings,
  type Reading,
  type ResetDeviceResult,
  type TenantStats,
  type UpsertResult,
} from '@org/cache-core';
import { Cluster, type Redis } from 'ioredis';
import type { InstalledNearCache } from '../near-cache/metadata-near-cache.js';
import type {
  CacheTransport,
  DeviceListQuery,
  EventPage,
  FutureDeviceQuery,
  KeyPage,
  KvSetItem,
  WriteContext,
} from '../transport.js';
import type { WatchQuery } from '../watch.js';
import { masterNodes, openRedis, type RedisConnectionOptions, whenReady } from './connection.js';
import { RedisDevices } from './redis-devices.js';
import { mapRedisError, redisCall } from './redis-errors.js';
import { RedisKv } from './redis-kv.js';
import { appendFlushEvent, readOutbox } from './redis-outbox.js';
import { followOutbox } from './redis-watch.js';

export interface RedisTransportOptions extends RedisConnectionOptions {
  /** Prepended to every key (default none: the seed's key names). */
  keyPrefix?: string;
  /** Device state TTL in seconds, refreshed on each write (default 86400). */
  ttlSeconds?: number;
  /** Health reports `degraded` above this round trip (default 250 ms). */
  slowPingMs?: number;
  /**
   * The change outbox (Redis Streams written in the same script as each change): false turns it
   * off; an object sets its caps and service id (default on, 100,000 events and 1 day per stream).
   */
  outbox?: boolean | Partial<OutboxSettings>;
}

const HEALTH_TIMEOUT_MS = 2_000;

/** Redis or Redis Cluster backend. */
export class RedisTransport implements CacheTransport {
  readonly kind: 'redis' | 'redis-cluster';
  readonly redis: Redis | Cluster;
  readonly keys: KeyScheme;
  readonly #owned: boolean;
  readonly #devices: RedisDevices;
  readonly #kv: RedisKv;
  readonly #ttlSeconds: number;
  readonly #slowPingMs: number;
  readonly outbox: OutboxSettings;
  /** The near-cache of device metadata reads, when created with `nearCache` (stats, tracker state). */
  nearCache: InstalledNearCache | undefined = undefined;

  constructor(options: RedisTransportOptions) {
    const { redis, owned, scripts } = openRedis(options);
    this.redis = redis;
    this.#owned = owned;
    this.kind = redis instanceof Cluster ? 'redis-cluster' : 'redis';
    this.keys = createKeyScheme(options.keyPrefix);
    this.#ttlSeconds = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
    this.#slowPingMs = options.slowPingMs ?? 250;
    const outbox = options.outbox;
    this.outbox = { ...DEFAULT_OUTBOX, ...(typeof outbox === 'boolean' ? { enabled: outbox } : outbox) };
    this.#devices = new RedisDevices(
      redis,
      scripts,
      this.keys,
      this.#ttlSeconds,
      this.kind === 'redis-cluster',
      this.outbox,
    );
    this.#kv = new RedisKv(redis, scripts, this.keys, this.outbox);
  }

  upsertReadings(readings: readonly Reading[], context?: WriteContext): Promise<UpsertResult> {
    return redisCall('upsertReadings', () => this.#devices.upsert(readings, context));
  }

  storeDeviceMetadata(metadata: DeviceMetadata, context?: WriteContext): Promise<void> {
    return redisCall('storeDeviceMetadata', () => this.#devices.storeMetadata(metadata, context));
  }

  getDeviceMetadataMany(ids: readonly string[]): Promise<(DeviceMetadata | null)[]> {
    return redisCall('getDeviceMetadata', () => this.#devices.metadataMany(ids));
  }

  getReadings(id: string): Promise<Reading[]> {
    return redisCall('getReadings', () => this.#devices.readings(id));
  }

  getReading(id: string, index: string): Promise<Reading | null> {
    return redisCall('getReadings', () => this.#devices.reading(id, index));
  }

  listIndexes(id: string): Promise<string[]> {
    return redisCall('listIndexes', () => this.#devices.indexes(id));
  }

  listDevices(query: DeviceListQuery): Promise<DevicePage> {
    return redisCall('listDevices', () => this.#devices.list(query));
  }

  resetDevice(id: string, context?: WriteContext): Promise<ResetDeviceResult> {
    return redisCall('resetDevice', () => this.#devices.reset(id, context));
  }

  listFutureDevices(query: FutureDeviceQuery): Promise<FutureDevicePage> {
    return redisCall('listFutureDevices', () => this.#devices.future(query));
  }

  getCacheInfo(): Promise<CacheInfo> {
    return redisCall('getCacheInfo', async () => {
      const masters = masterNodes(this.redis);
      const [devices, kvEntries, infos] = await Promise.all([
        this.#devices.info(),
        this.#kv.totalEntries(),
        Promise.all(masters.map((node) => node.info())),
      ]);
      let memory = 0;
      for (const info of infos) memory += Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
      return {
        ...devices,
        memory_usage_bytes: memory,
        ttl_seconds: this.#ttlSeconds,
        kv_entries: kvEntries,
        backend: this.kind,
        nodes: masters.length,
        key_prefix: this.keys.prefix,
        server_version: /redis_version:([^\r\n]+)/.exec(infos[0] ?? '')?.[1] ?? null,
      };
    });
  }

  async checkHealth(): Promise<HealthStatus> {
    const timestamp = new Date().toISOString();
    const ready = await whenReady(this.redis, HEALTH_TIMEOUT_MS);
    const masters = masterNodes(this.redis);
    if (masters.length === 0 || !ready) {
      return {
        status: 'unhealthy',
        message: `Redis connection is ${this.redis.status}`,
        timestamp,
        backend: this.kind,
      };
    }
    const pings = await Promise.all(masters.map((node) => timedPing(node)));
    const failed = pings.filter((p) => p === null).length;
    const latency = Math.max(0, ...pings.map((p) => p ?? 0));
    if (failed === masters.length) {
      return { status: 'unhealthy', message: 'Redis does not answer PING', timestamp, backend: this.kind };
    }
    if (failed > 0) {
      return {
        status: 'degraded',
        message: `${failed} of ${masters.length} Redis masters do not answer PING`,
        timestamp,
        latency_ms: latency,
        backend: this.kind,
      };
    }
    const slow = latency > this.#slowPingMs;
    return {
      status: slow ? 'degraded' : 'healthy',
      message: slow
        ? `Redis answers slowly (${latency.toFixed(1)} ms)`
        : `Redis answers (${masters.length} master(s))`,
      timestamp,
      latency_ms: latency,
      backend: this.kind,
    };
  }

  kvGet(tenant: string, keys: readonly string[]): Promise<(CacheEntry | null)[]> {
    return redisCall('get', () => this.#kv.get(tenant, keys));
  }

  kvSet(tenant: string, items: readonly KvSetItem[], context?: WriteContext): Promise<CacheEntry[]> {
    return redisCall('set', () => this.#kv.set(tenant, items, context));
  }

  kvDelete(tenant: string, keys: readonly string[], context?: WriteContext): Promise<number> {
    return redisCall('delete', () => this.#kv.delete(tenant, keys, context));
  }

  kvInvalidate(tenant: string, pattern: string, context?: WriteContext): Promise<number> {
    return redisCall('invalidate', () => this.#kv.invalidate(tenant, pattern, context));
  }

  kvListKeys(tenant: string, pattern: string, limit: number, cursor: string | null): Promise<KeyPage> {
    return redisCall('listKeys', () => this.#kv.listKeys(tenant, pattern, limit, cursor));
  }

  kvClearTenant(tenant: string, context?: WriteContext): Promise<number> {
    return redisCall('clearTenant', () => this.#kv.clearTenant(tenant, context));
  }

  kvStats(tenant: string): Promise<TenantStats> {
    return redisCall('stats', () => this.#kv.stats(tenant));
  }

  /**
   * Deletes every key of the cache's families on every master (SCAN + UNLINK, never KEYS); the
   * outbox streams (`events:*`) are kept, and the flush's event is appended once it is done.
   */
  flush(context?: WriteContext): Promise<void> {
    return redisCall('flush', async () => {
      await Promise.all(
        masterNodes(this.redis).map(async (node) => {
          for (const match of this.keys.families) {
            let cursor = '0';
            do {
              const [next, keys] = await node.scan(cursor, 'MATCH', match, 'COUNT', 1000);
              cursor = next;
              if (keys.length > 0) await node.pipeline(keys.map((k) => ['unlink', k])).exec();
            } while (cursor !== '0');
          }
        }),
      );
      await appendFlushEvent(this.redis, this.keys, this.outbox, context);
    });
  }

  readEvents(since: string | null, limit: number): Promise<EventPage> {
    return redisCall('readEvents', () => readOutbox(this.redis, this.keys, since, limit));
  }

  async *watchEvents(query: WatchQuery, signal: AbortSignal): AsyncGenerator<CacheEvent[]> {
    try {
      yield* followOutbox(this.redis, this.keys, query, signal);
    } catch (error) {
      throw mapRedisError(error, 'watch');
    }
  }

  async close(): Promise<void> {
    if (!this.#owned) return;
    if (this.redis.status !== 'ready') {
      // still connecting or reconnecting: QUIT would wait for a connection that may never come
      this.redis.disconnect();
      return;
    }
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}

async function timedPing(node: Redis): Promise<number | null> {
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      node.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('ping timed out')), HEALTH_TIMEOUT_MS);
      }),
    ]);
    return performance.now() - start;
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}
