import { createCacheClient } from '@org/cache-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisClusterServer, startRedisCluster } from '../redis/start-redis-cluster.js';
import { clientConformance, outboxSuite, watchSuite } from './client-conformance.js';
import { makeReading } from './reading-factory.js';

let cluster: RedisClusterServer;
let n = 0;
const uniquePrefix = () => `c${process.pid}-${Date.now()}-${n++}:`;

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3 });
}, 60_000);
afterAll(() => cluster?.stop());

const make = (options: { ttlSeconds?: number; outbox?: boolean; nearCache?: { maxBytes: number } } = {}) =>
  createCacheClient({
    transport: 'redis',
    clusterNodes: cluster.nodes,
    keyPrefix: uniquePrefix(),
    ...options,
  });

clientConformance('redis cluster', async (options) => make(options));
clientConformance('redis cluster with near-cache', async (options) =>
  make({ ...options, nearCache: { maxBytes: 1 << 20 } }),
);
outboxSuite(async (options) => make(options));
watchSuite(async (options) => make(options));

describe('redis cluster spread', () => {
  it('spreads devices over every master and counts them all', async () => {
    await using client = make();
    const readings = Array.from({ length: 300 }, (_, i) => makeReading(`spread-${i}`, 'T', i));
    await client.upsertReadings(readings);
    const transport = client.transport as import('@org/cache-client/transports').RedisTransport;
    const cluster = transport.redis as import('ioredis').Cluster;
    const perNode = await Promise.all(cluster.nodes('master').map((node) => node.dbsize()));
    expect(perNode).toHaveLength(3);
    for (const size of perNode) expect(size).toBeGreaterThan(50);
    expect((await client.getCacheInfo()).total_devices).toBe(300);
    expect((await client.getCacheInfo()).nodes).toBe(3);
  });
});
