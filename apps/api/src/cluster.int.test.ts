import { createCacheClient } from '@org/cache-client';
import type { RedisTransport } from '@org/cache-client/transports';
import { fixtureLines, type RedisClusterServer, startRedisCluster } from '@org/cache-testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisRateLimiter } from './limits/redis-rate-limiter.js';
import { errorOf } from './test/fixtures.js';
import { httpCaller } from './test/http.js';
import { type ServedApp, serveApp } from './test/serve.js';

let cluster: RedisClusterServer;
let served: ServedApp | undefined;

beforeAll(async () => {
  cluster = await startRedisCluster();
}, 120_000);
afterAll(async () => {
  await served?.stop();
  await cluster?.stop();
});

describe('the API over a 3-master Redis Cluster', () => {
  it('serves devices, the tenant cache and rate limits per client address (every script on one slot)', async () => {
    const client = createCacheClient({
      transport: 'redis',
      clusterNodes: cluster.nodes,
      keyPrefix: `api-cl-${process.pid}:`,
    });
    const transport = client.transport as RedisTransport;
    served = await serveApp({
      client,
      // Auth off: one budget for the client address (3 requests before the PUTs, then 3 PUTs).
      rateLimiter: new RedisRateLimiter(transport.redis, transport.keys, { requests: 6, windowSeconds: 60 }),
    });
    const call = httpCaller(served.url);
    const readings = fixtureLines('validated-output.ndjson').map((l) => JSON.parse(l) as unknown);
    expect(await (await call('POST', '/api/devices/readings', { body: readings })).json()).toMatchObject({
      written: 8,
    });
    expect((await (await call('GET', '/api/devices/gw-lyon-01%2Fport-3')).json()).datatype_name).toBe(
      'État porte',
    );
    expect((await (await call('GET', '/api/stats')).json()).backend).toBe('redis-cluster');
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      statuses.push(
        (await call('PUT', `/api/v2/cache/k${i}`, { tenant: 'acme', body: { value: i } })).status,
      );
    }
    const limited = await call('GET', '/api/v2/cache/k1', { tenant: 'acme' });
    expect(statuses).toEqual([201, 201, 201]);
    expect(limited.status).toBe(429);
    expect((await errorOf(limited)).code).toBe('CACHE_009');
  });
});
