import { CacheClient, type CacheClientOptions } from './cache-client.js';
import { HttpTransport, type HttpTransportOptions } from './http/index.js';
import { MemoryTransport, type MemoryTransportOptions } from './memory/memory-transport.js';
import { installNearCache } from './near-cache/metadata-near-cache.js';
import type { NearCacheOptions } from './near-cache/near-cache.js';
import { connectionDown } from './redis/connection.js';
import { RedisTransport, type RedisTransportOptions } from './redis/redis-transport.js';
import { DEFAULT_TIMEOUT_SECONDS, Resilience, type ResilienceOptions } from './resilience/resilience.js';
import { DEFAULT_RETRY } from './resilience/retry-policy.js';
import type { CacheTransport } from './transport.js';

export type CreateCacheClientOptions = CacheClientOptions &
  (
    | ({ transport: 'memory' } & MemoryTransportOptions)
    | ({ transport: 'redis'; nearCache?: NearCacheOptions | false } & RedisTransportOptions &
        ResilienceOptions)
    | ({ transport: 'http' } & HttpTransportOptions & ResilienceOptions)
    | { transport: 'custom'; implementation: CacheTransport }
  );

/**
 * Creates a `CacheClient`:
 * `createCacheClient({ transport: 'redis', url: 'redis://localhost:6379' })`,
 * `createCacheClient({ transport: 'redis', clusterNodes: ['10.0.0.1:7000'] })`,
 * `createCacheClient({ transport: 'redis', url, nearCache: { maxBytes: 64 * 1024 ** 2 } })` (device
 * metadata reads served from process memory, invalidated by Redis: docs/near-cache.md),
 * `createCacheClient({ transport: 'http', baseUrl: 'http://localhost:8080', token })`,
 * `createCacheClient({ transport: 'memory' })`.
 */
export function createCacheClient(options: CreateCacheClientOptions): CacheClient {
  switch (options.transport) {
    case 'memory':
      return new CacheClient(new MemoryTransport(options), options);
    case 'redis': {
      // `timeout` (s) is ioredis' commandTimeout; the guard adds fail-fast, retries and the breaker
      const redisOptions =
        options.timeout === undefined
          ? { commandTimeout: DEFAULT_TIMEOUT_SECONDS * 1000, ...options.redisOptions }
          : { ...options.redisOptions, commandTimeout: options.timeout * 1000 };
      const transport = new RedisTransport({ ...options, redisOptions });
      new Resilience(options, () => connectionDown(transport.redis)).install(transport);
      // over the guard: a miss is retried and refused like any read (docs/near-cache.md)
      if (options.nearCache) installNearCache(transport, options.nearCache);
      return new CacheClient(transport, options);
    }
    case 'http': {
      // the requester times out and retries each request itself; the guard adds the breaker only
      const transport = new HttpTransport({
        ...options,
        timeoutMs: options.timeoutMs ?? (options.timeout ?? DEFAULT_TIMEOUT_SECONDS) * 1000,
        retries: options.retries ?? options.retry ?? DEFAULT_RETRY,
        retryMaxDelayMs: options.retryMaxDelayMs ?? options.backoff_max_ms,
        retryBaseDelayMs: options.retryBaseDelayMs ?? options.backoff_base_ms,
      });
      new Resilience(options, () => false, 0).install(transport);
      return new CacheClient(transport, options);
    }
    case 'custom':
      return new CacheClient(options.implementation, options);
  }
}
