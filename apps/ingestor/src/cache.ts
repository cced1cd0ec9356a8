import { type CacheClient, createCacheClient } from '@org/cache-client';
import type { IngestorConfig } from './env.js';
import type { Logger } from './logger.js';

/**
 * The cache client over Redis (standalone or Cluster) as configured; it refuses readings stamped
 * more than `maxFutureSkewMs` ahead, as the pipeline does before it.
 */
export function createIngestorClient(
  config: IngestorConfig['redis'],
  logger: Logger,
  maxFutureSkewMs: number,
): CacheClient {
  const redisOptions = {
    password: config.password,
    // Commands fail fast while Redis is away; the pipeline's own backoff decides when to try again.
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
    retryStrategy: (times: number) => Math.min(100 * times, 2_000),
  };
  let lastLogged = 0;
  const onConnectionError = (error: Error) => {
    // ioredis reports every failed reconnect; one line per 10 s is enough.
    if (Date.now() - lastLogged < 10_000) return;
    lastLogged = Date.now();
    logger.warn({ err: error.message }, 'Redis connection error');
  };
  const common = {
    keyPrefix: config.keyPrefix,
    ttlSeconds: config.ttlSeconds,
    onConnectionError,
    maxFutureSkewMs,
  };
  return config.clusterNodes
    ? createCacheClient({ transport: 'redis', clusterNodes: config.clusterNodes, redisOptions, ...common })
    : createCacheClient({ transport: 'redis', url: config.url, redisOptions, ...common });
}
