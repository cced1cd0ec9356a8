import {
  type CacheEntry,
  type CacheInfo,
  DEFAULT_TTL_SECONDS,
  type DeviceMetadata,
  type DevicePage,
  type FutureDevicePage,
  type HealthStatus,
  type Reading,
  type ResetDeviceResult,
  type TenantStats,
  type UpsertResult,
} from '@org/cache-core';
import { HitCounter } from '../hit-counter.js';
import type { CacheTransport, DeviceListQuery, FutureDeviceQuery, KeyPage, KvSetItem } from '../transport.js';
import { MemoryDevices } from './memory-devices.js';
import { MemoryKv } from './memory-kv.js';

export interface MemoryTransportOptions {
  /** Device state TTL in seconds (default 86400). */
  ttlSeconds?: number;
}

/** In-process backend: the embedded default, and the reference the conformance suite holds others to. */
export class MemoryTransport implements CacheTransport {
  readonly kind = 'memory' as const;
  readonly #devices: MemoryDevices;
  readonly #kv = new MemoryKv();
  readonly #hits = new HitCounter();
  readonly #ttlSeconds: number;

  constructor(options: MemoryTransportOptions = {}) {
    this.#ttlSeconds = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
    this.#devices = new MemoryDevices(this.#ttlSeconds);
  }

  async upsertReadings(readings: readonly Reading[]): Promise<UpsertResult> {
    return this.#devices.upsert(readings);
  }

  async storeDeviceMetadata(metadata: DeviceMetadata): Promise<void> {
    this.#devices.storeMetadata(metadata);
  }

  async getDeviceMetadataMany(ids: readonly string[]): Promise<(DeviceMetadata | null)[]> {
    return ids.map((id) => this.#devices.metadata(id));
  }

  async getReadings(id: string): Promise<Reading[]> {
    return this.#devices.readings(id);
  }

  async getReading(id: string, index: string): Promise<Reading | null> {
    return this.#devices.reading(id, index);
  }

  async listIndexes(id: string): Promise<string[]> {
    return this.#devices.indexes(id);
  }

  listDevices(query: DeviceListQuery): Promise<DevicePage> {
    return this.#devices.list(query);
  }

  async resetDevice(id: string): Promise<ResetDeviceResult> {
    return this.#devices.reset(id);
  }

  async listFutureDevices(query: FutureDeviceQuery): Promise<FutureDevicePage> {
    return this.#devices.future(query);
  }

  async getCacheInfo(): Promise<CacheInfo> {
    const { bytes, ...devices } = this.#devices.info();
    return {
      ...devices,
      memory_usage_bytes: bytes,
      ttl_seconds: this.#ttlSeconds,
      kv_entries: this.#kv.totalEntries(),
      backend: 'memory',
      nodes: 0,
      key_prefix: '',
      server_version: null,
    };
  }

  async checkHealth(): Promise<HealthStatus> {
    return {
      status: 'healthy',
      message: 'in-process memory store',
      timestamp: new Date().toISOString(),
      latency_ms: 0,
      backend: 'memory',
    };
  }

  async kvGet(tenant: string, keys: readonly string[]): Promise<(CacheEntry | null)[]> {
    const entries = this.#kv.get(tenant, keys);
    const hits = entries.filter((e) => e !== null).length;
    this.#hits.record(tenant, hits, entries.length - hits);
    return entries;
  }

  async kvSet(tenant: string, items: readonly KvSetItem[]): Promise<CacheEntry[]> {
    return this.#kv.set(tenant, items);
  }

  async kvDelete(tenant: string, keys: readonly string[]): Promise<number> {
    return this.#kv.delete(tenant, keys);
  }

  async kvInvalidate(tenant: string, pattern: string): Promise<number> {
    return await this.#kv.invalidate(tenant, pattern);
  }

  async kvListKeys(tenant: string, pattern: string, limit: number, cursor: string | null): Promise<KeyPage> {
    return this.#kv.listKeys(tenant, pattern, limit, cursor);
  }

  async kvClearTenant(tenant: string): Promise<number> {
    return this.#kv.clearTenant(tenant);
  }

  async kvStats(tenant: string): Promise<TenantStats> {
    return this.#hits.stats(tenant, this.#kv.count(tenant));
  }

  async flush(): Promise<void> {
    this.#devices.clear();
    this.#kv.clear();
  }

  async close(): Promise<void> {}
}
