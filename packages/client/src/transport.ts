import type {
  CacheEntry,
  CacheEvent,
  CacheInfo,
  DeviceMetadata,
  DevicePage,
  DeviceSort,
  FutureDevicePage,
  HealthStatus,
  Reading,
  ResetDeviceResult,
  TenantStats,
  UpsertResult,
} from '@org/cache-core';
import type { WatchQuery } from './watch.js';

/** A future-devices request after validation and defaults. */
export interface FutureDeviceQuery {
  /** Normalized timestamp: devices whose newest timestamp is after it. */
  after: string;
  limit: number;
  cursor: string | null;
}

/** A listing request after validation and defaults (what transports receive). */
export interface DeviceListQuery {
  limit: number;
  cursor: string | null;
  offset: number;
  pattern: string | null;
  sort: DeviceSort;
  /** Epoch ms, or null. */
  updatedSince: number | null;
}

export interface KvSetItem {
  key: string;
  /** The value, already JSON-encoded (once, by the client). */
  json: string;
  /** Seconds; null: never expires. */
  ttl: number | null;
}

export interface KeyPage {
  keys: string[];
  next_cursor: string | null;
}

/** Who caused a write: carried by its change events. */
export interface WriteContext {
  /** The correlation id of the request or message that caused the write (null: none). */
  correlationId?: string | null;
  /**
   * `upsertReadings` only: per reading (same positions as the readings), the correlation id of the
   * message that carried it. Each device's event carries the one of its newest reading in the
   * call; where that is null, missing or not a valid correlation id (`isCorrelationId`), the
   * event falls back to `correlationId`. An invalid id is replaced, never refused.
   */
  correlationIds?: readonly (string | null | undefined)[];
}

/** A page of the outbox: events in id order after `since`, and whether more are waiting. */
export interface EventPage {
  events: CacheEvent[];
  more: boolean;
}

/**
 * What a backend implements. `CacheClient` validates every argument before calling a transport,
 * so transports can trust ids, keys, tenants and limits.
 */
export interface CacheTransport {
  readonly kind: CacheInfo['backend'];
  upsertReadings(readings: readonly Reading[], context?: WriteContext): Promise<UpsertResult>;
  storeDeviceMetadata(metadata: DeviceMetadata, context?: WriteContext): Promise<void>;
  getDeviceMetadataMany(ids: readonly string[]): Promise<(DeviceMetadata | null)[]>;
  getReadings(id: string): Promise<Reading[]>;
  getReading(id: string, index: string): Promise<Reading | null>;
  listIndexes(id: string): Promise<string[]>;
  listDevices(query: DeviceListQuery): Promise<DevicePage>;
  resetDevice(id: string, context?: WriteContext): Promise<ResetDeviceResult>;
  listFutureDevices(query: FutureDeviceQuery): Promise<FutureDevicePage>;
  getCacheInfo(): Promise<CacheInfo>;
  checkHealth(): Promise<HealthStatus>;

  kvGet(tenant: string, keys: readonly string[]): Promise<(CacheEntry | null)[]>;
  kvSet(tenant: string, items: readonly KvSetItem[], context?: WriteContext): Promise<CacheEntry[]>;
  kvDelete(tenant: string, keys: readonly string[], context?: WriteContext): Promise<number>;
  kvInvalidate(tenant: string, pattern: string, context?: WriteContext): Promise<number>;
  kvListKeys(tenant: string, pattern: string, limit: number, cursor: string | null): Promise<KeyPage>;
  kvClearTenant(tenant: string, context?: WriteContext): Promise<number>;
  kvStats(tenant: string): Promise<TenantStats>;
  flush(context?: WriteContext): Promise<void>;
  /**
   * Reads the outbox (every stream: device buckets, tenants, whole-cache) after the event id
   * `since` (null: from the oldest kept), at most `limit` events in id order. Optional: the HTTP
   * transport has none (it watches over SSE).
   */
  readEvents?(since: string | null, limit: number): Promise<EventPage>;
  /**
   * Follows the outbox from `query.since` in the delivery order, a batch at a time, until the
   * signal aborts (the client filters by kind, tenant and pattern; a transport may read less).
   */
  watchEvents?(query: WatchQuery, signal: AbortSignal): AsyncIterable<CacheEvent[]>;
  close(): Promise<void>;
}
