export * from '@org/cache-core';
export {
  CacheClient,
  type CacheClientOptions,
  type ListKeysOptions,
  type ReadEventsOptions,
  type WriteOptions,
} from './cache-client.js';
export { type CreateCacheClientOptions, createCacheClient } from './create-client.js';
export { HttpTransport, type HttpTransportOptions } from './http/index.js';
export { MemoryTransport, type MemoryTransportOptions } from './memory/memory-transport.js';
export { connectionDown, type RedisConnectionOptions } from './redis/connection.js';
export { mapRedisError } from './redis/redis-errors.js';
export { RedisTransport, type RedisTransportOptions } from './redis/redis-transport.js';
export {
  type BreakerState,
  CircuitBreaker,
  type CircuitBreakerOptions,
} from './resilience/circuit-breaker.js';
export {
  Resilience,
  type ResilienceOptions,
  type ResilienceState,
  resilienceOf,
} from './resilience/resilience.js';
export { backoffDelayMs, type RetryOptions } from './resilience/retry-policy.js';
export type {
  CacheTransport,
  DeviceListQuery,
  EventPage,
  FutureDeviceQuery,
  KeyPage,
  KvSetItem,
  WriteContext,
} from './transport.js';
export type { WatchOptions, WatchQuery } from './watch.js';
