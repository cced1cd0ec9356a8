import { createCacheClient, StorageFullError } from '@org/cache-client';
import type { RedisTransport } from '@org/cache-client/transports';
import { appliedOptionsOf } from '@org/cache-core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pauseRedis } from '../redis/redis-faults.js';
import { type RedisServer, startRedis } from '../redis/start-redis.js';
import { type ReplicatedRedisServer, startReplicatedRedis } from '../redis/start-replicated-redis.js';
import { withCodec } from './kv-options-codec.js';
import { realisticValue, writeWithOptions } from './kv-options-suite.js';
import { sleep } from './types.js';

let replicated: ReplicatedRedisServer;
let small: RedisServer;

beforeAll(async () => {
  [replicated, small] = await Promise.all([
    startReplicatedRedis(['--enable-debug-command', 'yes']),
    startRedis({ args: ['--maxmemory-policy', 'noeviction'] }),
  ]);
}, 60_000);
afterAll(() => Promise.all([replicated?.stop(), small?.stop()]));

describe('strong consistency on a replicated Redis (a master and a replica)', () => {
  it('waits for the replica, says so, and the replica has the write when the answer comes', async () => {
    await using client = withCodec(
      createCacheClient({ transport: 'redis', url: replicated.url }),
      true,
      2000,
    );
    const replica = new Redis(replicated.replicaUrl);
    try {
      const entry = await writeWithOptions(client, 'order:1', realisticValue(), {
        consistency: 'strong',
        encryption: true,
      });
      expect(appliedOptionsOf(entry)).toMatchObject({
        consistency: 'strong',
        replication: { replicas: 1, acknowledged: 1, waited: true, timeout_ms: 2000 },
      });
      const key = (client.transport as RedisTransport).keys.kvEntry(client.tenant, 'order:1');
      // no wait of the test's own: WAIT returned after the replica acknowledged
      expect(await replica.hget(key, 'n')).toBe('1');
      const eventual = await writeWithOptions(client, 'order:2', 1, { consistency: 'eventual' });
      expect(appliedOptionsOf(eventual)?.replication).toBeUndefined();
    } finally {
      replica.disconnect();
    }
  });

  it('answers acknowledged 0 after the timeout when the replica does not answer', async () => {
    await using client = withCodec(
      createCacheClient({ transport: 'redis', url: replicated.url }),
      false,
      300,
    );
    // the replica's server blocks for 1.5 s (DEBUG SLEEP): it acknowledges nothing meanwhile
    const paused = pauseRedis(replicated.replica.port, 1500, 'debug-sleep');
    await sleep(100);
    try {
      const entry = await writeWithOptions(client, 'order:3', 3, { consistency: 'strong' });
      expect(appliedOptionsOf(entry)?.replication).toMatchObject({
        replicas: 1,
        acknowledged: 0,
        waited: true,
      });
      expect((await client.get('order:3'))?.value).toBe(3); // on the master all the same
    } finally {
      await paused;
    }
  });
});

describe('CACHE_003: Redis out of memory (maxmemory, noeviction)', () => {
  it('a write Redis refuses for memory is a StorageFullError (507), and reads still work', async () => {
    await using client = withCodec(createCacheClient({ transport: 'redis', url: small.url }), false);
    const admin = (client.transport as RedisTransport).redis as Redis;
    await writeWithOptions(client, 'first', 'kept');
    const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1]);
    await admin.config('SET', 'maxmemory', String(used + 2 * 1024 * 1024));
    try {
      const big = 'x'.repeat(256 * 1024);
      let error: unknown;
      for (let i = 0; i < 40 && error === undefined; i++) {
        error = await writeWithOptions(client, `fill:${i}`, big, { compression: false }).then(
          () => undefined,
          (e) => e,
        );
      }
      expect(error).toBeInstanceOf(StorageFullError);
      expect(error).toMatchObject({ code: 'CACHE_003', status: 507, details: { redis_error: 'OOM' } });
      expect((await client.get('first'))?.value).toBe('kept');
    } finally {
      await admin.config('SET', 'maxmemory', '0');
    }
  });
});
