import { type CacheClient, createCacheClient } from '@org/cache-client';
import { allEvents, clientConformance, type RedisServer, startRedis, watchSuite } from '@org/cache-testkit';
import { afterAll, beforeAll } from 'vitest';
import { Authenticator } from './auth/authenticator.js';
import { SCOPES } from './auth/scopes.js';
import { parseTokenList } from './auth/token-config.js';
import { httpClientOwning, serveApp } from './test/serve.js';

let redis: RedisServer;
let n = 0;

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

/** Every scope the suite needs, `devices:admin` included (the open API's anonymous caller lacks it). */
const TOKEN = 'conformance-token-0123456789';
const auth = () =>
  Authenticator.create({
    tokens: parseTokenList(
      JSON.stringify([
        { service_id: 'conformance', token: TOKEN, scopes: SCOPES.filter((s) => s !== 'cache:admin') },
      ]),
    ),
  });

clientConformance('http over memory', async (options) => {
  const backend = createCacheClient({ transport: 'memory', ttlSeconds: options?.ttlSeconds });
  const served = await serveApp({ client: backend, auth: await auth(), limits: { rateLimit: null } });
  return httpClientOwning(served, { token: TOKEN });
});

clientConformance('http over redis', async (options) => {
  const backend = createCacheClient({
    transport: 'redis',
    url: redis.url,
    keyPrefix: `api-conf-${process.pid}-${n++}:`,
    ttlSeconds: options?.ttlSeconds,
  });
  const served = await serveApp({ client: backend, auth: await auth(), limits: { rateLimit: null } });
  return httpClientOwning(served, { token: TOKEN });
});

/** The backend behind each HTTP client of the watch suite (to read the outbox as it is). */
const backends = new WeakMap<CacheClient, CacheClient>();
watchSuite(
  async () => {
    const backend = createCacheClient({
      transport: 'redis',
      url: redis.url,
      keyPrefix: `api-watch-${process.pid}-${n++}:`,
    });
    const served = await serveApp({ client: backend, auth: await auth(), limits: { rateLimit: null } });
    const client = httpClientOwning(served, { token: TOKEN });
    backends.set(client, backend);
    return client;
  },
  (client) => allEvents(backends.get(client)!),
);
