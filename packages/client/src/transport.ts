import type {
  CacheEntry,
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

/**
 * What a backend implements. `CacheClient` validates every argument before calling a transport,
 * so transports can trust ids, keys, tenants and limits.
 */
export interface CacheTransport {
  readonly kind: CacheInfo['backend'];
  upsertReadings(readings: readonly Reading[]): Promise<UpsertResult>;
  storeDeviceMetadata(metadata: DeviceMetadata): Promise<void>;
  getDeviceMetadataMany(ids: readonly string[]): Promise<(DeviceMetadata | null)[]>;
  getReadings(id: string): Promise<Reading[]>;
  getReading(id: string, index: string): Promise<Reading | null>;
  listIndexes(id: string): Promise<string[]>;
  listDevices(query: DeviceListQuery): Promise<DevicePage>;
  resetDevice(id: string): Promise<ResetDeviceResult>;
  listFutureDevices(query: FutureDeviceQuery): Promise<FutureDevicePage>;
  getCacheInfo(): Promise<CacheInfo>;
  checkHealth(): Promise<HealthStatus>;

  kvGet(tenant: string, keys: readonly string[]): Promise<(CacheEntry | null)[]>;
  kvSet(tenant: string, items: readonly KvSetItem[]): Promise<CacheEntry[]>;
  kvDelete(tenant: string, keys: readonly string[]): Promise<number>;
  kvInvalidate(tenant: string, pattern: string): Promise<number>;
  kvListKeys(tenant: string, pattern: string, limit: number, cursor: string | null): Promise<KeyPage>;
  kvClearTenant(tenant: string): Promise<number>;
  kvStats(tenant: string): Promise<TenantStats>;
  flush(): Promise<void>;
  close(): Promise<void>;
}
