import type { DeviceMetadata, Reading } from '@org/cache-core';
import type { RedisTransport } from '../redis/redis-transport.js';
import { InvalidationTracker } from '../redis/tracking.js';
import { NearCache, type NearCacheHit, type NearCacheOptions, type NearCacheStats } from './near-cache.js';

/**
 * Estimated heap bytes of one entry: the key (the device id) and the JSON of the value as UTF-16
 * strings, plus a fixed cost for the objects (entry, metadata object, map slot). Measured with
 * `bench/near-cache-memory.bench.ts`-style heap snapshots it is within a factor 2 of the real cost.
 */
const ENTRY_OVERHEAD_BYTES = 240;
export function metadataEntryBytes(key: string, value: DeviceMetadata | null): number {
  return ENTRY_OVERHEAD_BYTES + 2 * key.length + (value === null ? 0 : 2 * JSON.stringify(value).length);
}

type Guarded = Pick<
  RedisTransport,
  'getDeviceMetadataMany' | 'upsertReadings' | 'storeDeviceMetadata' | 'resetDevice' | 'flush' | 'close'
>;

/** The near-cache of a Redis transport and its invalidation tracker (see `nearCacheOf`). */
export interface InstalledNearCache {
  readonly cache: NearCache<DeviceMetadata | null>;
  readonly tracker: InvalidationTracker;
  /**
   * The metadata of device `id` when the near-cache holds it (a hit: `value` is the metadata, or
   * null for a cached unknown device), else undefined: answered in the same turn, no read sent.
   * `id` must be a valid device id (the caller checked it). Misses go through
   * `getDeviceMetadataMany` as usual. See `NearCache.peek` for the `derived` slot.
   */
  peekMetadata(id: string): NearCacheHit<DeviceMetadata | null> | undefined;
  stats(): NearCacheStats;
}

const installed = new WeakMap<object, InstalledNearCache>();

/** The near-cache installed on a transport by `createCacheClient({ nearCache })`, if any. */
export function nearCacheOf(transport: object): InstalledNearCache | undefined {
  return installed.get(transport);
}

/**
 * Puts a near-cache in front of the transport's `getDeviceMetadataMany` (over the resilience
 * guard, so misses are retried and refused like any read). Writes of this process invalidate the
 * keys they touch before they are sent and again once they are answered (read-your-writes without
 * waiting for the server's invalidation); `flush` empties it; `close` stops the tracker.
 */
export function installNearCache(transport: RedisTransport, options: NearCacheOptions): InstalledNearCache {
  const cache = new NearCache<DeviceMetadata | null>(options, metadataEntryBytes);
  const keys = transport.keys;
  // Entries are keyed by device id (a hit then hashes the id it was given, instead of building
  // and hashing its Redis key); the server's invalidations name Redis keys and are read back to ids.
  const tracker = new InvalidationTracker(transport.redis, `${keys.prefix}device:`, {
    invalidate: (changed) => {
      // the readings keys change too; only metadata keys are cached
      for (const key of changed) {
        const id = keys.deviceIdOfMetadata(key);
        if (id !== null) cache.invalidate(id);
      }
    },
    invalidateAll: () => cache.clear(cache.active),
    reset: (active) => cache.clear(active),
  });
  const target = transport as unknown as Guarded;
  const read = target.getDeviceMetadataMany.bind(transport);
  target.getDeviceMetadataMany = (ids) => cache.getMany(ids, ids, read);

  const around = async <T>(ids: Iterable<string>, write: () => Promise<T>): Promise<T> => {
    const touched = [...new Set(ids)];
    for (const key of touched) cache.invalidate(key);
    try {
      return await write();
    } finally {
      for (const key of touched) cache.invalidate(key);
    }
  };
  const upsert = target.upsertReadings.bind(transport);
  target.upsertReadings = (readings, context) =>
    around(
      (readings as readonly Reading[]).map((r) => r.device_id),
      () => upsert(readings, context),
    );
  const store = target.storeDeviceMetadata.bind(transport);
  target.storeDeviceMetadata = (metadata, context) =>
    around([metadata.device_id], () => store(metadata, context));
  const reset = target.resetDevice.bind(transport);
  target.resetDevice = (id, context) => around([id], () => reset(id, context));
  const flush = target.flush.bind(transport);
  target.flush = async (context) => {
    cache.clear(cache.active);
    try {
      return await flush(context);
    } finally {
      cache.clear(cache.active);
    }
  };
  const close = target.close.bind(transport);
  target.close = async () => {
    tracker.close();
    return close();
  };
  const handle: InstalledNearCache = {
    cache,
    tracker,
    peekMetadata: (id) => cache.peek(id),
    stats: () => cache.stats(),
  };
  installed.set(transport, handle);
  transport.nearCache = handle;
  return handle;
}
