/**
 * The public API of `@org/cache-client`: the client, its options, the data a caller passes or
 * receives, and the errors. Advanced pieces are on subpaths (`@org/cache-client/transports`,
 * `/resilience`, `/value-codec`); core internals (Lua sources, record layouts, key scheme, env
 * helpers) are not exported: a service that needs them depends on `@org/cache-core`. The list is
 * pinned by `src/public/exports.test.ts`; adding a name is a decision, not an accident.
 */

// errors and their codes
// what a caller passes and receives (zod schemas double as types)
export {
  AuthError,
  CacheEntry,
  CacheError,
  type CacheErrorOptions,
  CacheEvent,
  type CacheEventKind,
  CacheEventOperation,
  CacheInfo,
  DeviceMetadata,
  DevicePage,
  DeviceSort,
  DeviceSummary,
  ErrorCode,
  ForbiddenError,
  type FutureDevice,
  type FutureDevicePage,
  HealthState,
  HealthStatus,
  INPUT_BOUNDS,
  InvalidKeyError,
  isCacheError,
  JsonValue,
  KeyExpiredError,
  type ListDevicesOptions,
  type ListFutureDevicesOptions,
  NotFoundError,
  type OutboxSettings,
  RateLimitError,
  Reading,
  type ReadingMetadata,
  type ResetDeviceResult,
  type SetOptions,
  type StaleSample,
  StorageFullError,
  StoredValueError,
  TenantStats,
  TimeoutError,
  TooLargeError,
  toReading,
  UnavailableError,
  type UpsertResult,
  ValidatedOutput,
  type ValidatedOutputInput,
  ValidationError,
} from '@org/cache-core';
export {
  CacheClient,
  type CacheClientOptions,
  type ListKeysOptions,
  type ReadEventsOptions,
  type UpsertOptions,
  type WriteOptions,
} from './cache-client.js';
export { type CreateCacheClientOptions, createCacheClient } from './create-client.js';
// option types of createCacheClient (the classes are on the subpaths)
export type { HttpTransportOptions } from './http/index.js';
export type { MemoryTransportOptions } from './memory/memory-transport.js';
export {
  NEAR_CACHE_MAX_BYTES,
  NEAR_CACHE_MIN_BYTES,
  type NearCacheOptions,
  type NearCacheStats,
} from './near-cache/near-cache.js';
export type { RedisConnectionOptions } from './redis/connection.js';
export type { RedisTransportOptions } from './redis/redis-transport.js';
export type { BreakerState, CircuitBreakerOptions } from './resilience/circuit-breaker.js';
export type { HttpPoolOptions } from './resilience/http-pool.js';
export type { ResilienceOptions, ResilienceState } from './resilience/resilience.js';
export type { RetryOptions } from './resilience/retry-policy.js';
export type { EventPage, KeyPage, KvSetItem } from './transport.js';
export type { WatchOptions, WatchQuery } from './watch.js';
