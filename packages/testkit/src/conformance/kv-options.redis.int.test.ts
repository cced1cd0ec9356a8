import { createCacheClient } from '@org/cache-client';
import type { RedisTransport } from '@org/cache-client/transports';
import { StoredValueError, withKvOptions } from '@org/cache-core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../redis/start-redis.js';
import { type RedisClusterServer, startRedisCluster } from '../redis/start-redis-cluster.js';
import { withCodec } from './kv-options-codec.js';
import { kvOptionsSuite, realisticValue, writeWithOptions } from './kv-options-suite.js';

let redis: RedisServer;
let cluster: RedisClusterServer;
let n = 0;
const uniquePrefix = () => `o${process.pid}-${Date.now()}-${n++}:`;

beforeAll(async () => {
  [redis, cluster] = await Promise.all([startRedis(), startRedisCluster({ masters: 3, replicas: 1 })]);
  // every master has its replica online before a strong write is expected to wait for it
  const masters = cluster.processes.slice(0, 3).map((p) => new Redis(p.port, '127.0.0.1'));
  try {
    for (const deadline = Date.now() + 20_000; ; ) {
      const infos = await Promise.all(masters.map((m) => m.info('replication')));
      if (infos.every((i) => /role:master/.test(i) && /slave0:.*state=online/.test(i))) break;
      if (Date.now() > deadline) throw new Error('cluster replicas did not come online');
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    for (const m of masters) m.disconnect();
  }
}, 90_000);
afterAll(() => Promise.all([redis?.stop(), cluster?.stop()]));

const standalone = (encryption: boolean, keyPrefix = uniquePrefix()) =>
  withCodec(createCacheClient({ transport: 'redis', url: redis.url, keyPrefix }), encryption);

describe('redis', () => kvOptionsSuite(async ({ encryption }) => standalone(encryption)));
describe('redis cluster (a replica per master)', () =>
  kvOptionsSuite(
    async ({ encryption }) =>
      withCodec(
        createCacheClient({ transport: 'redis', clusterNodes: cluster.nodes, keyPrefix: uniquePrefix() }),
        encryption,
      ),
    { replicas: true },
  ));

describe('encryption at rest on Redis', () => {
  it('a client without the codec refuses encryption (CACHE_007) and writes nothing', async () => {
    await using bare = createCacheClient({ transport: 'redis', url: redis.url, keyPrefix: uniquePrefix() });
    const error = await writeWithOptions(bare, 'pay:1', { card: '4111' }, { encryption: true }).catch(
      (e) => e,
    );
    expect(error).toMatchObject({ code: 'CACHE_007', details: { reason: 'encryption_not_configured' } });
    // the store refuses it too, for a caller that reaches the transport without the client's check
    const direct = await bare.transport
      .kvSet(bare.tenant, [{ key: 'pay:1', json: '{"card":"4111"}', ttl: null }], {
        kv: { encryption: true },
      } as never)
      .catch((e) => e);
    expect(direct).toMatchObject({ code: 'CACHE_007', details: { reason: 'encryption_not_configured' } });
    expect(await bare.get('pay:1')).toBeNull();
    expect(() => withKvOptions(undefined, { encryption: true }, bare.transport)).toThrow(/no encryption key/);
    await using keyed = standalone(true);
    expect(withKvOptions(undefined, { encryption: true }, keyed.transport)?.kv).toEqual({ encryption: true });
  });

  it('Redis never holds the plaintext, and a ciphertext copied under another tenant fails to decrypt', async () => {
    const prefix = uniquePrefix();
    await using acme = standalone(true, prefix);
    const other = acme.forTenant('other');
    const secret = { card: '4111-1111-1111-1111', holder: 'Ada Lovelace' };
    await writeWithOptions(acme, 'pay:1', secret, { encryption: true });
    await writeWithOptions(acme, 'big:1', realisticValue(), { encryption: true });
    await writeWithOptions(other, 'pay:1', { card: 'decoy' }, {});
    const transport = acme.transport as RedisTransport;
    const raw = transport.redis;
    // every byte Redis holds for the tenant: no plaintext
    const keys = await raw.keys(`${prefix}*`);
    const contents = async (k: string): Promise<string> => {
      const type = await raw.type(k);
      if (type === 'hash') return JSON.stringify(await raw.hgetall(k));
      if (type === 'zset') return JSON.stringify(await raw.zrange(k, 0, -1, 'WITHSCORES'));
      if (type === 'set') return JSON.stringify(await raw.smembers(k));
      if (type === 'stream') return JSON.stringify(await raw.xrange(k, '-', '+'));
      return String(await raw.get(k));
    };
    const dump = (await Promise.all(keys.map(contents))).join('\n');
    expect(dump).toContain('decoy'); // the reading works: the other tenant's plain value shows
    expect(dump).not.toContain('4111');
    expect(dump).not.toContain('Lovelace');
    expect(dump).not.toContain('Part-Dieu');
    const stored = await raw.hget(transport.keys.kvEntry(acme.tenant, 'pay:1'), 'v');
    expect(stored).toMatch(/^"\uE0C01ngk2\./);
    // the ciphertext copied under the other tenant's key, and under another key of the same tenant
    await raw.hset(transport.keys.kvEntry('other', 'pay:1'), 'v', stored!);
    const error = await other.get('pay:1').catch((e) => e);
    expect(error).toBeInstanceOf(StoredValueError);
    expect(error).toMatchObject({
      code: 'CACHE_010',
      details: { reason: 'decrypt_failed', tenant: 'other' },
    });
    expect(error.message).toMatch(/not written under this tenant and key/);
    await writeWithOptions(acme, 'pay:2', 'x', {});
    await raw.hset(transport.keys.kvEntry(acme.tenant, 'pay:2'), 'v', stored!);
    await expect(acme.get('pay:2')).rejects.toMatchObject({ details: { reason: 'decrypt_failed' } });
    // the original still reads
    expect((await acme.get('pay:1'))?.value).toEqual(secret);
  });

  it('a reader with compression off, another active key, or no codec reads older entries', async () => {
    const prefix = uniquePrefix();
    await using writer = standalone(true, prefix);
    await writeWithOptions(writer, 'a', realisticValue(3), { compression: true, encryption: true });
    await writeWithOptions(writer, 'b', realisticValue(4), { compression: true });
    // a client without the codec reads compressed entries too; an encrypted one stays a frame (no key)
    await using bare = createCacheClient({ transport: 'redis', url: redis.url, keyPrefix: prefix });
    expect((await bare.get('b'))?.value).toEqual(realisticValue(4));
    expect(String((await bare.get('a'))?.value)).toMatch(/^\uE0C01zgk2\./);
    await using reader = createCacheClient({ transport: 'redis', url: redis.url, keyPrefix: prefix });
    const { installValueCodec } = await import('@org/cache-client/value-codec');
    const { testKeyRing } = await import('./kv-options-codec.js');
    const rotated = { activeId: 'k1', keys: testKeyRing.keys };
    installValueCodec(reader.transport, {
      keyRing: rotated,
      compressByDefault: false,
      compressionAlgorithm: 'brotli',
    });
    expect((await reader.getMany(['a', 'b'])).map((e) => e?.value)).toEqual([
      realisticValue(3),
      realisticValue(4),
    ]);
  });
});
