import { type CacheClient, type CacheEvent, createCacheClient, type Reading } from '@org/cache-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allEvents } from '../conformance/outbox-suite.js';
import { makeReading } from '../conformance/reading-factory.js';
import { type RedisServer, startRedis } from './start-redis.js';
import { type RedisClusterServer, startRedisCluster } from './start-redis-cluster.js';

/**
 * Per-device correlation ids (`WriteContext.correlationIds`, what the ingestor passes: one per
 * reading, the id of the Kafka message that carried it): each device's event carries the id of
 * its newest reading in the call; an invalid or missing one falls back to the call's
 * `correlationId`; a stale replay adds no event. Memory, Redis and Redis Cluster alike.
 */
let redis: RedisServer;
let cluster: RedisClusterServer;
const open: CacheClient[] = [];
beforeAll(async () => {
  [redis, cluster] = await Promise.all([startRedis(), startRedisCluster({ masters: 3 })]);
}, 60_000);
afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
  await Promise.all([redis?.stop(), cluster?.stop()]);
});

const byDevice = (events: CacheEvent[]) =>
  Object.fromEntries(events.map((e) => [e.data.device_id, e.correlation_id]));

describe.each(['memory', 'redis', 'cluster'] as const)('per-device correlation ids (%s)', (backend) => {
  const make = () => {
    const keyPrefix = `corr${Date.now()}${Math.random().toString(36).slice(2, 6)}:`;
    const client =
      backend === 'memory'
        ? createCacheClient({ transport: 'memory' })
        : createCacheClient({
            transport: 'redis',
            ...(backend === 'redis' ? { url: redis.url } : { clusterNodes: cluster.nodes }),
            keyPrefix,
          });
    open.push(client);
    return client;
  };

  it("each device's event carries the id of its newest reading's message; invalid or missing ids fall back to the call's", async () => {
    const client = make();
    const readings: Reading[] = [
      makeReading('a', 'T', 5),
      makeReading('a', 'U', 7), // a's newest
      makeReading('a', 'T', 6),
      makeReading('b', 'T', 3), // b's newest, its id is invalid
      makeReading('c', 'T', 1), // c's newest, no id
      makeReading('d', 'T', 2),
      makeReading('d', 'U', 9), // d's newest, id over-long
      makeReading('e', 'T', 4), // e's newest, no call fallback either -> none
    ];
    const ids = ['m0', 'm1', 'm2', 'bad\nid', null, 'm5', 'x'.repeat(1_025), 'm7'];
    await client.transport.upsertReadings(readings.slice(0, 7), {
      correlationId: 'call-1',
      correlationIds: ids.slice(0, 7),
    });
    await client.transport.upsertReadings(readings.slice(7), { correlationIds: ['\u0000'] });
    const events = await allEvents(client);
    expect(events).toHaveLength(5);
    expect(byDevice(events)).toEqual({ a: 'm1', b: 'call-1', c: 'call-1', d: 'call-1', e: null });

    // a stale replay of a: no event; a newer reading of a: its own id
    await client.transport.upsertReadings([makeReading('a', 'T', 4)], { correlationIds: ['stale'] });
    await client.transport.upsertReadings([makeReading('a', 'T', 8)], { correlationIds: ['m9'] });
    const after = (await allEvents(client)).slice(events.length);
    expect(after.map((e) => [e.data.device_id, e.correlation_id])).toEqual([['a', 'm9']]);
    // the usual write (no per-reading ids) still carries the call's id
    await client.upsertReadings([makeReading('b', 'T', 10)], { correlationId: 'call-2' });
    expect((await allEvents(client)).at(-1)?.correlation_id).toBe('call-2');
    // the client's public upsertReadings takes per-reading ids too (checked like the transport's)
    await client.upsertReadings([makeReading('c', 'T', 11), makeReading('d', 'T', 12)], {
      correlationId: 'call-3',
      correlationIds: ['public-c', 'bad\u0007'],
    });
    // (two devices of one call: on Cluster they live on different masters, so their events' order is not fixed)
    expect(byDevice((await allEvents(client)).slice(-2))).toEqual({ c: 'public-c', d: 'call-3' });
  });
});
