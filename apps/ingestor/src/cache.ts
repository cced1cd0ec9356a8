import type { CacheClient } from '@org/cache-client';
import { type CacheClientSettings, createServiceCacheClient } from '@org/service-kit';
import type { Logger } from './logger.js';

/**
 * The cache client over Redis (standalone or Cluster) as configured, made by the shared factory of
 * `@org/service-kit` (key prefix, TTL, outbox from the common settings); it refuses readings
 * stamped more than `maxFutureSkewMs` ahead, as the pipeline does before it.
 */
export function createIngestorClient(
  config: CacheClientSettings,
  logger: Logger,
  maxFutureSkewMs: number,
): CacheClient {
  return createServiceCacheClient(config, {
    logger,
    // Commands fail fast while Redis is away; the pipeline's own backoff decides when to try again.
    redisOptions: {
      maxRetriesPerRequest: 1,
      connectTimeout: 5_000,
      retryStrategy: (times: number) => Math.min(100 * times, 2_000),
    },
    client: { maxFutureSkewMs },
  });
}
