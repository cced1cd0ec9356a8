/**
 * The client's near-cache on a real Redis and a real Redis Cluster: hits without a round trip,
 * invalidation after a write by another client (and its delay), a dropped connection of either
 * kind empties it, the byte bound holds, concurrent misses share a round trip.
 */
import { type CacheClient, createCacheClient } from '@org/cache-client';
import type { RedisTransport } from '@org/cache-client/transports';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../redis/start-redis.js';
import { type RedisClusterServer, startRedisCluster } from '../redis/start-redis-cluster.js';
import { makeReading } from './reading-factory.js';
import { sleep } from './types.js';

let redis: RedisServer;
let cluster: RedisClusterServer;
let n = 0;
const uniquePrefix = () => `nc${process.pid}-${n++}:`;

beforeAll(async () => {
  [redis, cluster] = await Promise.all([startRedis(), startRedisCluster({ masters: 3 })]);
}, 60_000);
afterAll(async () => {
  await Promise.all([redis?.stop(), cluster?.stop()]);
});

const nearOf = (client: CacheClient) => (client.transport as RedisTransport).nearCache!;

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(5);
  }
}

/** HGETALL calls Redis has answered so far (all masters). */
async function hgetallCalls(nodes: Redis[]): Promise<number> {
  let calls = 0;
  for (const node of nodes) {
    const stats = await node.info('commandstats');
    calls += Number(/cmdstat_hgetall:calls=(\d+)/.exec(stats)?.[1] ?? 0);
  }
  return calls;
}

type Setup = { name: string; make: (prefix: string, near: boolean, maxBytes?: number) => CacheClient };
const setups: Setup[] = [
  {
    name: 'redis',
    make: (keyPrefix, near, maxBytes = 1 << 20) =>
      createCacheClient({
        transport: 'redis',
        url: redis.url,
        keyPrefix,
        ...(near ? { nearCache: { maxBytes } } : {}),
      }),
  },
  {
    name: 'redis cluster',
    make: (keyPrefix, near, maxBytes = 1 << 20) =>
      createCacheClient({
        transport: 'redis',
        clusterNodes: cluster.nodes,
        keyPrefix,
        ...(near ? { nearCache: { maxBytes } } : {}),
      }),
  },
];

for (const setup of setups) {
  describe(`near-cache on ${setup.name}`, () => {
    const masters = (client: CacheClient): Redis[] => {
      const r = (client.transport as RedisTransport).redis;
      return 'nodes' in r ? r.nodes('master') : [r as Redis];
    };

    it('serves a repeated read from memory, and a write by another client as soon as its invalidation arrives', async () => {
      const prefix = uniquePrefix();
      await using reader = setup.make(prefix, true);
      await using writer = setup.make(prefix, false);
      const ids = Array.from({ length: 30 }, (_, i) => `inv-${i}`); // spread over every master
      await writer.upsertReadings(ids.map((id) => makeReading(id, 'T', 1)));
      await until(() => nearOf(reader).tracker.active);
      const first = await reader.getDeviceMetadataMany(ids);
      const callsBefore = await hgetallCalls(masters(reader));
      expect(await reader.getDeviceMetadataMany(ids)).toEqual(first);
      expect(await hgetallCalls(masters(reader))).toBe(callsBefore); // no round trip
      expect(nearOf(reader).stats().hits).toBe(ids.length);

      await writer.upsertReadings(ids.map((id) => makeReading(id, 'T', 2)));
      const keys = ids.map((id) => (reader.transport as RedisTransport).keys.deviceMetadata(id));
      await until(() => keys.every((k) => !nearOf(reader).cache.has(k)));
      const second = await reader.getDeviceMetadataMany(ids);
      for (let i = 0; i < ids.length; i++) {
        expect(second[i]!.last_updated > first[i]!.last_updated).toBe(true);
      }
    });

    it('read-your-writes in one process, without waiting for the invalidation', async () => {
      const prefix = uniquePrefix();
      await using client = setup.make(prefix, true);
      await until(() => nearOf(client).tracker.active);
      for (let t = 1; t <= 20; t++) {
        await client.upsertReadings([makeReading('ryw', 'T', t)]);
        const m = await client.getDeviceMetadata('ryw');
        expect(m?.last_updated).toBe(makeReading('ryw', 'T', t).timestamp);
      }
      await client.resetDevice('ryw');
      expect(await client.getDeviceMetadata('ryw')).toBeNull();
    });

    it('a device created after a cached "unknown" is seen once its invalidation arrives', async () => {
      const prefix = uniquePrefix();
      await using reader = setup.make(prefix, true);
      await using writer = setup.make(prefix, false);
      await until(() => nearOf(reader).tracker.active);
      expect(await reader.getDeviceMetadata('late')).toBeNull();
      await writer.upsertReadings([makeReading('late', 'T', 1)]);
      await until(async () => (await reader.getDeviceMetadata('late')) !== null);
    });

    it('concurrent misses of one device share one round trip', async () => {
      const prefix = uniquePrefix();
      await using client = setup.make(prefix, true);
      await client.upsertReadings([makeReading('hot', 'T', 1)]);
      await until(() => nearOf(client).tracker.active);
      const before = await hgetallCalls(masters(client));
      const answers = await Promise.all(Array.from({ length: 50 }, () => client.getDeviceMetadata('hot')));
      expect(new Set(answers.map((a) => a?.last_updated)).size).toBe(1);
      expect(await hgetallCalls(masters(client))).toBe(before + 1);
      expect(nearOf(client).stats().shared).toBe(49);
    });

    it('a dropped subscriber or command connection empties it; tracking comes back and invalidates again', async () => {
      const prefix = uniquePrefix();
      await using reader = setup.make(prefix, true);
      await using writer = setup.make(prefix, false);
      const ids = Array.from({ length: 20 }, (_, i) => `drop-${i}`);
      await writer.upsertReadings(ids.map((id) => makeReading(id, 'T', 1)));
      await until(() => nearOf(reader).tracker.active);
      for (const kind of ['pubsub', 'normal'] as const) {
        await until(async () => {
          await reader.getDeviceMetadataMany(ids);
          return nearOf(reader).stats().entries === ids.length;
        });
        const clearsBefore = nearOf(reader).stats().clears;
        // kill the reader's connections of that kind on every master (the writer holds none of pubsub;
        // its normal connections are killed too and reconnect, which is fine)
        for (const node of masters(reader)) {
          const admin = new Redis({ host: node.options.host, port: node.options.port });
          await admin.client('KILL', 'TYPE', kind, 'SKIPME', 'yes');
          admin.disconnect();
        }
        await until(() => nearOf(reader).stats().clears > clearsBefore);
        expect(nearOf(reader).stats().entries).toBe(0);
        await until(() => nearOf(reader).tracker.active, 10_000);
      }
      // reads answered while a pair was still settling are not stored: read until they are
      let cached = await reader.getDeviceMetadataMany(ids);
      await until(async () => {
        cached = await reader.getDeviceMetadataMany(ids);
        return nearOf(reader).stats().entries === ids.length;
      });
      await writer.upsertReadings(ids.map((id) => makeReading(id, 'T', 5)));
      await until(() => nearOf(reader).stats().entries === 0);
      const after = await reader.getDeviceMetadataMany(ids);
      for (let i = 0; i < ids.length; i++)
        expect(after[i]!.last_updated > cached[i]!.last_updated).toBe(true);
    });

    it('stays within maxBytes', async () => {
      const prefix = uniquePrefix();
      const maxBytes = 16 * 1024;
      await using client = setup.make(prefix, true, maxBytes);
      const ids = Array.from({ length: 300 }, (_, i) => `bytes-${i}`);
      await client.upsertReadings(ids.map((id) => makeReading(id, 'T', 1)));
      await until(() => nearOf(client).tracker.active);
      for (let i = 0; i < ids.length; i += 25) {
        await client.getDeviceMetadataMany(ids.slice(i, i + 25));
        expect(nearOf(client).stats().bytes).toBeLessThanOrEqual(maxBytes);
      }
      const stats = nearOf(client).stats();
      expect(stats.evictions).toBeGreaterThan(0);
      expect(stats.entries).toBeGreaterThan(0);
      expect(stats.entries).toBeLessThan(ids.length);
    });
  });
}
