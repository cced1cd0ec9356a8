import {
  type CacheEntry,
  type CacheEvent,
  type CacheInfo,
  DEFAULT_TTL_SECONDS,
  type DeviceMetadata,
  type DevicePage,
  deviceBucket,
  type FutureDevicePage,
  type HealthStatus,
  type OutboxSettings,
  type Reading,
  type ResetDeviceResult,
  type TenantStats,
  type UpsertResult,
} from '@org/cache-core';
import { HitCounter } from '../hit-counter.js';
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
import { MemoryDevices } from './memory-devices.js';
import { MemoryKv } from './memory-kv.js';
import { MemoryOutbox } from './memory-outbox.js';

export interface MemoryTransportOptions {
  /** Device state TTL in seconds (default 86400). */
  ttlSeconds?: number;
  /** The change outbox: false turns it off; an object sets its caps and service id (default on). */
  outbox?: boolean | Partial<OutboxSettings>;
}

/** In-process backend: the embedded default, and the reference the conformance suite holds others to. */
export class MemoryTransport implements CacheTransport {
  readonly kind = 'memory' as const;
  readonly #devices: MemoryDevices;
  readonly #kv: MemoryKv;
  readonly #hits = new HitCounter();
  readonly #ttlSeconds: number;
  readonly outbox: MemoryOutbox;
  /** The context of the write in progress (writes are synchronous once started). */
  #context: WriteContext | undefined;

  constructor(options: MemoryTransportOptions = {}) {
    this.#ttlSeconds = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
    const outbox = options.outbox;
    this.outbox = new MemoryOutbox(typeof outbox === 'boolean' ? { enabled: outbox } : outbox);
    this.#devices = new MemoryDevices(this.#ttlSeconds, (id, operation, indexes, correlationId) =>
      this.outbox.append(
        `d${deviceBucket(id)}`,
        ['o', operation, 'd', id, 'i', indexes.map((i) => `${i}\t`).join('')],
        correlationId === undefined ? this.#context : { correlationId },
      ),
    );
    this.#kv = new MemoryKv((tenant, key, operation) =>
      this.outbox.append(`t.${tenant}`, ['o', operation, 't', tenant, 'k', key], this.#context),
    );
  }

  #with<T>(context: WriteContext | undefined, write: () => T): T {
    this.#context = context;
    try {
      return write();
    } finally {
      this.#context = undefined;
    }
  }

  async upsertReadings(readings: readonly Reading[], context?: WriteContext): Promise<UpsertResult> {
    return this.#with(context, () => this.#devices.upsert(readings, context));
  }

  async storeDeviceMetadata(metadata: DeviceMetadata, context?: WriteContext): Promise<void> {
    this.#with(context, () => this.#devices.storeMetadata(metadata));
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

  async resetDevice(id: string, context?: WriteContext): Promise<ResetDeviceResult> {
    return this.#with(context, () => this.#devices.reset(id));
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

  async kvSet(tenant: string, items: readonly KvSetItem[], context?: WriteContext): Promise<CacheEntry[]> {
    return this.#with(context, () => this.#kv.set(tenant, items));
  }

  async kvDelete(tenant: string, keys: readonly string[], context?: WriteContext): Promise<number> {
    return this.#with(context, () => this.#kv.delete(tenant, keys));
  }

  async kvInvalidate(tenant: string, pattern: string, context?: WriteContext): Promise<number> {
    const matching = await this.#kv.matching(tenant, pattern);
    return this.#with(context, () => this.#kv.delete(tenant, matching, 'invalidate'));
  }

  async kvListKeys(tenant: string, pattern: string, limit: number, cursor: string | null): Promise<KeyPage> {
    return this.#kv.listKeys(tenant, pattern, limit, cursor);
  }

  async kvClearTenant(tenant: string, context?: WriteContext): Promise<number> {
    return this.#with(context, () => this.#kv.clearTenant(tenant));
  }

  async kvStats(tenant: string): Promise<TenantStats> {
    return this.#hits.stats(tenant, this.#kv.count(tenant));
  }

  async flush(context?: WriteContext): Promise<void> {
    this.#devices.clear();
    this.#kv.clear();
    this.outbox.append('g', ['o', 'flush'], context);
  }

  async readEvents(since: string | null, limit: number): Promise<EventPage> {
    return this.outbox.read(since, limit);
  }

  watchEvents(query: WatchQuery, signal: AbortSignal): AsyncIterable<CacheEvent[]> {
    return this.outbox.follow(query.since, signal);
  }

  async close(): Promise<void> {}
}
