import { type CacheClient, createCacheClient } from '@org/cache-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from './start-redis.js';
import { type RedisClusterServer, startRedisCluster } from './start-redis-cluster.js';

/**
 * Two clients over one Redis stand for two API instances: when one flushes the cache or clears a
 * tenant, the other's statistics (`stats` keys, `getCacheInfo` kv_entries) stay what Redis holds,
 * never stale nor negative, and its own later writes are counted again.
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

describe.each(['redis', 'cluster'] as const)('statistics across instances (%s)', (backend) => {
  const pair = (tenant: string) => {
    const keyPrefix = `x${Date.now()}${Math.random().toString(36).slice(2, 6)}:`;
    const connection = backend === 'redis' ? { url: redis.url } : { clusterNodes: cluster.nodes };
    const [a, b] = [0, 1].map(() =>
      createCacheClient({ transport: 'redis', ...connection, keyPrefix, tenant, defaultTtlSeconds: 600 }),
    );
    open.push(a!, b!);
    return [a!, b!] as const;
  };

  it('another instance flushes: this one counts what it writes afterwards', async () => {
    const [a, b] = pair('t1');
    for (let i = 0; i < 5; i++) await a.set(`k${i}`, i);
    expect((await b.getCacheInfo()).kv_entries).toBe(5);
    await b.flush();
    expect((await a.stats()).keys).toBe(0);
    expect((await a.getCacheInfo()).kv_entries).toBe(0);
    for (let i = 0; i < 3; i++) await a.set(`k${i}`, i);
    expect((await a.stats()).keys).toBe(3);
    expect((await b.stats()).keys).toBe(3);
    expect((await a.getCacheInfo()).kv_entries).toBe(3);
    expect((await b.getCacheInfo()).kv_entries).toBe(3);
  });

  it('another instance clears the tenant: counts follow, never negative', async () => {
    const [a, b] = pair('t2');
    for (let i = 0; i < 4; i++) await a.set(`k${i}`, i);
    await a.get('k0');
    await a.get('missing');
    expect(await b.clearTenant()).toBe(4);
    const after = await a.stats();
    expect(after.keys).toBe(0);
    expect(after.hits).toBeGreaterThanOrEqual(0);
    expect(after.misses).toBeGreaterThanOrEqual(0);
    expect((await a.getCacheInfo()).kv_entries).toBe(0);
    await a.set('k9', 9);
    expect((await b.stats()).keys).toBe(1);
    expect((await b.getCacheInfo()).kv_entries).toBe(1);
  });
});
