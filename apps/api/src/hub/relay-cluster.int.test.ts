import type { NatsConnection } from '@nats-io/transport-node';
import { type CacheClient, createCacheClient } from '@org/cache-client';
import { type NatsServer, type RedisClusterServer, startNats, startRedisCluster } from '@org/cache-testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { natsConnect, streamMessages, testSettings, until } from './hub-test-kit.js';
import { hubSubjects, startHub } from './start-hub.js';

const quiet = { info() {}, warn() {}, error() {} };

describe('message hub on Redis Cluster (3 masters, real nats-server)', () => {
  let cluster: RedisClusterServer;
  let nats: NatsServer;
  let client: CacheClient;
  let nc: NatsConnection;

  beforeAll(async () => {
    [cluster, nats] = await Promise.all([startRedisCluster(), startNats()]);
    client = createCacheClient({ transport: 'redis', clusterNodes: cluster.nodes });
    nc = await natsConnect(nats.url);
  });
  afterAll(async () => {
    await nc?.close();
    await client?.close();
    await Promise.all([cluster?.stop(), nats?.stop()]);
  });

  it('relays every change of every slot once, across a restart, and reports summed memory and ops', async () => {
    let hub = await startHub({ client, settings: testSettings(nats.url), logger: quiet });
    const tenants = ['a', 'b', 'c', 'd'].map((t) => client.forTenant(t));
    for (let i = 0; i < 40; i++) await tenants[i % 4]!.set(`k${i}`, i, { correlationId: `c${i}` });
    await hub.stop();
    for (let i = 40; i < 60; i++) await tenants[i % 4]!.set(`k${i}`, i);
    hub = await startHub({ client, settings: testSettings(nats.url), logger: quiet });
    try {
      const ids = async () =>
        (await streamMessages(nc, 'CACHE_EVENTS', hubSubjects('').item)).map(
          (m) => (m.json as { id: string }).id,
        );
      await until(async () => (await ids()).length >= 60);
      const got = await ids();
      expect(new Set(got).size).toBe(60);
      expect(got).toHaveLength(60);
      expect(new Set(got.map((id) => id.split('-')[2]))).toEqual(new Set(['t.a', 't.b', 't.c', 't.d']));
      const health = (await hub.publishHealth()) as { data: { memory_usage: number; ops_rate: number } };
      expect(health.data.memory_usage).toBeGreaterThan(3 * 500_000); // three masters' used_memory
      expect(health.data.ops_rate).toBeGreaterThan(0);
    } finally {
      await hub.stop();
    }
  });
});
