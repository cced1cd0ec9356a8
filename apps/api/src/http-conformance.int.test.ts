import { createCacheClient } from '@org/cache-client';
import { clientConformance, type RedisServer, startRedis } from '@org/cache-testkit';
import { afterAll, beforeAll } from 'vitest';
import { httpClientOwning, serveApp } from './test/serve.js';

let redis: RedisServer;
let n = 0;

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

clientConformance('http over memory', async (options) => {
  const backend = createCacheClient({ transport: 'memory', ttlSeconds: options?.ttlSeconds });
  return httpClientOwning(await serveApp({ client: backend, limits: { rateLimit: null } }));
});

clientConformance('http over redis', async (options) => {
  const backend = createCacheClient({
    transport: 'redis',
    url: redis.url,
    keyPrefix: `api-conf-${process.pid}-${n++}:`,
    ttlSeconds: options?.ttlSeconds,
  });
  return httpClientOwning(await serveApp({ client: backend, limits: { rateLimit: null } }));
});
