/**
 * `@org/cache-client/transports`: the transports behind `createCacheClient`, for a custom
 * transport (`{transport: 'custom', implementation}`) or direct access to the Redis connection.
 */
export { HttpTransport, type HttpTransportOptions } from '../http/index.js';
export { MemoryTransport, type MemoryTransportOptions } from '../memory/memory-transport.js';
export type { InstalledNearCache } from '../near-cache/metadata-near-cache.js';
export { connectionDown, type RedisConnectionOptions } from '../redis/connection.js';
export { mapRedisError } from '../redis/redis-errors.js';
export { RedisTransport, type RedisTransportOptions } from '../redis/redis-transport.js';
export type {
  CacheTransport,
  DeviceListQuery,
  EventPage,
  FutureDeviceQuery,
  KeyPage,
  KvSetItem,
  WriteContext,
} from '../transport.js';
export { watchQuery } from '../watch.js';
