/**
 * The real API in a child process of the bench, built by `bootstrap` from env as `cache-api`
 * builds it (auth, logs, metrics, rate limit; the near-cache from `NEAR_CACHE_MAX_BYTES`, 0 off),
 * served by @hono/node-server; answers the near-cache statistics of its client over IPC.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { NearCacheStats } from '@org/cache-client';
import { bootstrap } from '../src/bootstrap.js';
import { loadEnv } from '../src/env.js';
import { createLogger } from '../src/logger.js';
import { answerBench } from './child.js';

const env = loadEnv(process.env);
const logger = createLogger(env.LOG_LEVEL);
const { app, client } = await bootstrap(env, logger, () => false);
const server = serve({ fetch: app.fetch, hostname: env.API_HOST, port: env.API_PORT });
await new Promise<void>((resolve) => server.once('listening', resolve));
process.send?.({ port: (server.address() as AddressInfo).port });
const near = (client.transport as unknown as { nearCache?: { stats(): NearCacheStats } }).nearCache;
answerBench(
  async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      if ('closeAllConnections' in server) server.closeAllConnections();
    });
    await client.close();
  },
  () => near?.stats() ?? null,
);
