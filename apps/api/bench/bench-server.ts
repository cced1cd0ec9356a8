/**
 * The real API in a child process of the bench: `startApi` from env, as `cache-api` runs it; or,
 * with `BENCH_NEAR_CACHE_MAX_BYTES` set, the same app (auth, logs, metrics, rate limit, as
 * `bootstrap` builds it) over a Redis client with the near-cache on, until the API's env turns it on.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createCacheClient, type NearCacheStats } from '@org/cache-client';
import { createApp } from '../src/app.js';
import { Authenticator } from '../src/auth/authenticator.js';
import { limitsOf } from '../src/bootstrap.js';
import { loadEnv } from '../src/env.js';
import { authFailureGuard } from '../src/limits/auth-failures.js';
import { createLogger } from '../src/logger.js';
import { ApiMetrics } from '../src/metrics.js';
import { startApi } from '../src/server.js';
import { answerBench } from './child.js';

const env = loadEnv(process.env);
const logger = createLogger(env.LOG_LEVEL);
const nearBytes = Number(process.env.BENCH_NEAR_CACHE_MAX_BYTES ?? 0);

if (nearBytes > 0) {
  const client = createCacheClient({
    transport: 'redis',
    url: env.REDIS_URL!,
    keyPrefix: env.KEY_PREFIX,
    redisOptions: { password: env.REDIS_PASSWORD, commandTimeout: env.REDIS_COMMAND_TIMEOUT_MS },
    ttlSeconds: env.REDIS_METADATA_TTL,
    maxFutureSkewMs: env.MAX_FUTURE_SKEW * 1000,
    nearCache: { maxBytes: nearBytes },
  });
  const limits = limitsOf(env);
  const auth = await Authenticator.create({
    tokens: env.API_TOKENS,
    failures: authFailureGuard(client, limits),
  });
  const app = createApp({
    client,
    auth,
    logger,
    metrics: new ApiMetrics({ defaultMetrics: true, tenants: env.METRICS_TENANTS }),
    limits,
  });
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  process.send?.({ port: (server.address() as AddressInfo).port });
  const near = (client.transport as unknown as { nearCache?: { stats(): NearCacheStats } }).nearCache;
  answerBench(
    async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await client.close();
    },
    () => near?.stats() ?? null,
  );
} else {
  const api = await startApi(env, logger);
  process.send?.({ port: api.port });
  answerBench(() => api.close());
}
