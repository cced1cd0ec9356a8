import { type CacheClient, createCacheClient } from '@org/cache-client';
import { type RedisServer, startRedis } from '@org/cache-testkit';
import { afterAll, beforeAll } from 'vitest';
import type { CreateAppOptions } from '../app.js';
import { httpCaller } from './http.js';
import { type ServedApp, serveApp } from './serve.js';

/**
 * A real Redis for the file (started in beforeAll) and real API servers over it, each on its own
 * key prefix, all stopped in afterAll.
 */
export function redisApiHarness() {
  let redis: RedisServer;
  let n = 0;
  const servers: ServedApp[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await redis?.stop();
  });
  const prefix = () => `api-int-${process.pid}-${n++}:`;
  return {
    prefix,
    redisUrl: () => redis.url,
    /** Keeps a server to stop at the end. */
    track: (served: ServedApp) => servers.push(served),
    /** The app on a fresh Redis client (rate limiting off unless given). */
    async start(options: Partial<CreateAppOptions> = {}, keyPrefix = prefix()) {
      const client: CacheClient = createCacheClient({ transport: 'redis', url: redis.url, keyPrefix });
      const served = await serveApp({ limits: { rateLimit: null }, ...options, client });
      servers.push(served);
      return { ...served, call: httpCaller(served.url), client };
    },
  };
}
