import { CacheClient, type CacheClientOptions } from './cache-client.js';
import { HttpTransport, type HttpTransportOptions } from './http/index.js';
import { MemoryTransport, type MemoryTransportOptions } from './memory/memory-transport.js';
import { RedisTransport, type RedisTransportOptions } from './redis/redis-transport.js';
import type { CacheTransport } from './transport.js';

export type CreateCacheClientOptions = CacheClientOptions &
  (
    | ({ transport: 'memory' } & MemoryTransportOptions)
    | ({ transport: 'redis' } & RedisTransportOptions)
    | ({ transport: 'http' } & HttpTransportOptions)
    | { transport: 'custom'; implementation: CacheTransport }
  );

/**
 * Creates a `CacheClient`:
 * `createCacheClient({ transport: 'redis', url: 'redis://localhost:6379' })`,
 * `createCacheClient({ transport: 'redis', clusterNodes: ['10.0.0.1:7000'] })`,
 * `createCacheClient({ transport: 'http', baseUrl: 'http://localhost:8080', token })`,
 * `createCacheClient({ transport: 'memory' })`.
 */
export function createCacheClient(options: CreateCacheClientOptions): CacheClient {
  switch (options.transport) {
    case 'memory':
      return new CacheClient(new MemoryTransport(options), options);
    case 'redis':
      return new CacheClient(new RedisTransport(options), options);
    case 'http':
      return new CacheClient(new HttpTransport(options), options);
    case 'custom':
      return new CacheClient(options.implementation, options);
  }
}
