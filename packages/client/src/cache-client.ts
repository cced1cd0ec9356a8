import {
  assertCacheKey,
  assertDeviceId,
  assertIndex,
  assertPattern,
  assertTenant,
  type CacheEntry,
  type CacheInfo,
  DeviceMetadata,
  type DevicePage,
  type HealthStatus,
  type JsonValue,
  type ListDevicesOptions,
  normalizeTimestamp,
  type Reading,
  type SetOptions,
  type TenantStats,
  TooLargeError,
  timestampToMillis,
  type UpsertResult,
  ValidationError,
} from '@org/cache-core';
import type { CacheTransport, KeyPage, KvSetItem } from './transport.js';

export interface CacheClientOptions {
  /** Tenant of the generic cache methods (default `default`). */
  tenant?: string;
  /** TTL in seconds of generic cache entries set without one (default 3600; null: never expire). */
  defaultTtlSeconds?: number | null;
  /** Largest JSON-encoded value `set` accepts, in bytes (default 10 MiB). */
  maxValueBytes?: number;
}

export interface ListKeysOptions {
  limit?: number;
  cursor?: string | null;
}

const MAX_PAGE = 1000;

/**
 * The one client of the cache: device state and a tenant-scoped key/value cache, over any
 * transport (memory, Redis, Redis Cluster, HTTP). Every argument is validated here, so each
 * transport rejects the same bad input with the same error (`CACHE_004` for ids and keys).
 */
export class CacheClient implements AsyncDisposable {
  readonly transport: CacheTransport;
  readonly tenant: string;
  readonly #options: Required<Omit<CacheClientOptions, 'tenant'>>;
  readonly #ownsTransport: boolean;

  constructor(transport: CacheTransport, options: CacheClientOptions = {}, ownsTransport = true) {
    this.transport = transport;
    this.tenant = assertTenant(options.tenant ?? 'default');
    this.#options = {
      defaultTtlSeconds: options.defaultTtlSeconds === undefined ? 3600 : options.defaultTtlSeconds,
      maxValueBytes: options.maxValueBytes ?? 10 * 1024 * 1024,
    };
    this.#ownsTransport = ownsTransport;
  }

  /** The same connection, scoped to another tenant. Closing it does not close the connection. */
  forTenant(tenant: string): CacheClient {
    return new CacheClient(this.transport, { ...this.#options, tenant }, false);
  }

  // ---- devices ----

  /** Writes a batch of readings; per device and index the newest timestamp wins, in the batch and in the store. */
  async upsertReadings(readings: readonly Reading[]): Promise<UpsertResult> {
    if (readings.length === 0) return { written: 0, stale: 0, devices: 0 };
    for (const r of readings) {
      assertDeviceId(r.device_id);
      assertIndex(r.index);
      if (typeof r.timestamp !== 'string' || r.timestamp.length !== 27) {
        throw new ValidationError(
          'reading timestamp must be normalized (use toReading on a parsed ValidatedOutput)',
          {
            details: { device_id: r.device_id, index: r.index },
          },
        );
      }
    }
    return this.transport.upsertReadings(readings);
  }

  /** Stores metadata for a device unless the stored metadata is newer (by `last_updated`). */
  async storeDeviceMetadata(
    deviceId: string,
    metadata: Omit<DeviceMetadata, 'device_id' | 'additional_properties'> &
      Partial<Pick<DeviceMetadata, 'additional_properties'>>,
  ): Promise<void> {
    assertDeviceId(deviceId);
    const parsed = DeviceMetadata.safeParse({ additional_properties: {}, ...metadata, device_id: deviceId });
    if (!parsed.success) {
      throw new ValidationError(`invalid device metadata: ${parsed.error.issues[0]?.message}`, {
        details: { device_id: deviceId, field: parsed.error.issues[0]?.path.join('.') },
      });
    }
    const last_updated = normalizeTimestamp(parsed.data.last_updated);
    if (last_updated === null) {
      throw new ValidationError('last_updated must be an ISO 8601 date-time', {
        details: { device_id: deviceId },
      });
    }
    await this.transport.storeDeviceMetadata({ ...parsed.data, last_updated });
  }

  async getDeviceMetadata(deviceId: string): Promise<DeviceMetadata | null> {
    const [metadata] = await this.transport.getDeviceMetadataMany([assertDeviceId(deviceId)]);
    return metadata ?? null;
  }

  /** Metadata of many devices in one pipelined round; `null` where a device is unknown. */
  async getDeviceMetadataMany(deviceIds: readonly string[]): Promise<(DeviceMetadata | null)[]> {
    if (deviceIds.length === 0) return [];
    return this.transport.getDeviceMetadataMany(deviceIds.map(assertDeviceId));
  }

  /** The latest reading per index (sorted by index), or only the one of `index`. */
  async getReadings(deviceId: string, index?: string): Promise<Reading[]> {
    assertDeviceId(deviceId);
    if (index === undefined) return this.transport.getReadings(deviceId);
    const reading = await this.transport.getReading(deviceId, assertIndex(index));
    return reading ? [reading] : [];
  }

  async listIndexes(deviceId: string): Promise<string[]> {
    return this.transport.listIndexes(assertDeviceId(deviceId));
  }

  async listDevices(options: ListDevicesOptions = {}): Promise<DevicePage> {
    const limit = options.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
      throw new ValidationError(`limit must be an integer from 1 to ${MAX_PAGE}`, {
        details: { field: 'limit' },
      });
    }
    const offset = options.offset ?? 0;
    if (!Number.isInteger(offset) || offset < 0) {
      throw new ValidationError('offset must be a non-negative integer', { details: { field: 'offset' } });
    }
    const sort = options.sort ?? 'id';
    if (sort !== 'id' && sort !== 'updated') {
      throw new ValidationError('sort must be "id" or "updated"', { details: { field: 'sort' } });
    }
    return this.transport.listDevices({
      limit,
      offset,
      sort,
      cursor: options.cursor ?? null,
      pattern:
        options.pattern === undefined || options.pattern === '*' ? null : assertPattern(options.pattern),
      updatedSince: options.updatedSince === undefined ? null : toMillis(options.updatedSince),
    });
  }

  async getCacheInfo(): Promise<CacheInfo> {
    return this.transport.getCacheInfo();
  }

  async checkHealth(): Promise<HealthStatus> {
    return this.transport.checkHealth();
  }

  // ---- generic cache, scoped to this.tenant ----

  async get(key: string): Promise<CacheEntry | null> {
    const [entry] = await this.transport.kvGet(this.tenant, [assertCacheKey(key)]);
    return entry ?? null;
  }

  async getMany(keys: readonly string[]): Promise<(CacheEntry | null)[]> {
    if (keys.length === 0) return [];
    return this.transport.kvGet(this.tenant, keys.map(assertCacheKey));
  }

  async set(key: string, value: JsonValue, options: SetOptions = {}): Promise<CacheEntry> {
    const [entry] = await this.transport.kvSet(this.tenant, [this.#item(key, value, options.ttl)]);
    return entry!;
  }

  async setMany(
    items: readonly { key: string; value: JsonValue; ttl?: number | null }[],
  ): Promise<CacheEntry[]> {
    if (items.length === 0) return [];
    return this.transport.kvSet(
      this.tenant,
      items.map((i) => this.#item(i.key, i.value, i.ttl)),
    );
  }

  /** True when the key existed. */
  async delete(key: string): Promise<boolean> {
    return (await this.transport.kvDelete(this.tenant, [assertCacheKey(key)])) > 0;
  }

  /** Deletes this tenant's keys matching a glob; returns how many. Other tenants are never touched. */
  async invalidate(pattern: string): Promise<number> {
    return this.transport.kvInvalidate(this.tenant, assertPattern(pattern));
  }

  /** This tenant's live keys matching a glob, a page at a time. */
  async listKeys(pattern = '*', options: ListKeysOptions = {}): Promise<KeyPage> {
    const limit = options.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
      throw new ValidationError(`limit must be an integer from 1 to ${MAX_PAGE}`, {
        details: { field: 'limit' },
      });
    }
    return this.transport.kvListKeys(this.tenant, assertPattern(pattern), limit, options.cursor ?? null);
  }

  /** Deletes every key of this tenant; returns how many. */
  async clearTenant(): Promise<number> {
    return this.transport.kvClearTenant(this.tenant);
  }

  async stats(): Promise<TenantStats> {
    return this.transport.kvStats(this.tenant);
  }

  /** Admin: deletes every key of the cache (devices and all tenants). */
  async flush(): Promise<void> {
    return this.transport.flush();
  }

  async close(): Promise<void> {
    if (this.#ownsTransport) await this.transport.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #item(key: string, value: JsonValue, ttl: number | null | undefined): KvSetItem {
    assertCacheKey(key);
    const json = value === undefined ? undefined : JSON.stringify(value);
    if (json === undefined) throw new ValidationError('value must be JSON', { details: { key } });
    if (Buffer.byteLength(json) > this.#options.maxValueBytes) {
      throw new TooLargeError(`value is larger than ${this.#options.maxValueBytes} bytes`, {
        details: { key },
      });
    }
    const seconds = ttl === undefined ? this.#options.defaultTtlSeconds : ttl === 0 ? null : ttl;
    if (seconds !== null && (!Number.isFinite(seconds) || seconds < 0)) {
      throw new ValidationError('ttl must be a positive number of seconds', {
        details: { key, field: 'ttl' },
      });
    }
    return { key, json, ttl: seconds };
  }
}

function toMillis(value: Date | string | number): number {
  let ms = Number.NaN;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === 'number') ms = value;
  else {
    const normalized = normalizeTimestamp(value);
    if (normalized !== null) ms = timestampToMillis(normalized);
  }
  if (!Number.isFinite(ms)) {
    throw new ValidationError('updatedSince must be a date', { details: { field: 'updatedSince' } });
  }
  return ms;
}
