import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createCacheClient } from '@org/cache-client';
import { decodeReadingsRecord, timestampFromMillis, timestampToMillis } from '@org/cache-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureReadings } from '../fixtures.js';
import { type RedisServer, startRedis } from '../redis/start-redis.js';
import { clientConformance, outboxSuite, watchSuite } from './client-conformance.js';

const run = promisify(execFile);
let redis: RedisServer;
let n = 0;
const uniquePrefix = () => `t${process.pid}-${Date.now()}-${n++}:`;

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

clientConformance('redis', async (options) =>
  createCacheClient({ transport: 'redis', url: redis.url, keyPrefix: uniquePrefix(), ...options }),
);
// the same behaviour with the near-cache of device metadata reads on (docs/near-cache.md)
clientConformance('redis with near-cache', async (options) =>
  createCacheClient({
    transport: 'redis',
    url: redis.url,
    keyPrefix: uniquePrefix(),
    nearCache: { maxBytes: 1 << 20 },
    ...options,
  }),
);
outboxSuite(async (options) =>
  createCacheClient({ transport: 'redis', url: redis.url, keyPrefix: uniquePrefix(), ...options }),
);
watchSuite(async (options) =>
  createCacheClient({ transport: 'redis', url: redis.url, keyPrefix: uniquePrefix(), ...options }),
);

describe('redis layout', () => {
  it('keeps the seed metadata hash readable with redis-cli', async () => {
    await using client = createCacheClient({ transport: 'redis', url: redis.url, keyPrefix: uniquePrefix() });
    await client.upsertReadings(fixtureReadings());
    const transport = client.transport as import('@org/cache-client/transports').RedisTransport;
    const url = new URL(redis.url);
    const hgetall = async (key: string) => {
      const { stdout } = await run('redis-cli', [
        '-h',
        url.hostname,
        '-p',
        url.port,
        '--no-raw',
        'HGETALL',
        key,
      ]);
      return stdout;
    };
    const meta = await hgetall(transport.keys.deviceMetadata('282c02424eed'));
    for (const field of ['datatype_id', 'datatype_name', 'datatype_unit', 'persist', 'last_updated']) {
      expect(meta).toContain(`"${field}"`);
    }
    expect(meta).toContain('"2025-06-25T08:57:34.618082Z"');
    const { stdout: raw } = await run('redis-cli', [
      '-h',
      url.hostname,
      '-p',
      url.port,
      '--raw',
      'GET',
      transport.keys.deviceReadings('282c02424eed'),
    ]);
    expect(raw).toContain('P\tT\tU\t\n');
    const t = decodeReadingsRecord('282c02424eed', raw.replace(/\n$/, '')).find((r) => r.index === 'T');
    expect(t?.values).toEqual([21.4]);
    expect(raw).toContain('[21.4]');
    const ttl = await transport.redis.ttl(transport.keys.deviceMetadata('282c02424eed'));
    expect(ttl).toBeGreaterThan(86_000);
  });

  it('rewrites the whole metadata hash when it vanished behind the cache', async () => {
    await using client = createCacheClient({ transport: 'redis', url: redis.url, keyPrefix: uniquePrefix() });
    const transport = client.transport as import('@org/cache-client/transports').RedisTransport;
    const readings = fixtureReadings().filter((r) => r.device_id === '282c02424eed');
    await client.upsertReadings(readings);
    const before = await client.getDeviceMetadata('282c02424eed');
    await transport.redis.del(transport.keys.deviceMetadata('282c02424eed'));
    // The same metadata again, a second later: the fingerprint matches, the hash is gone.
    const later = readings.map((r) => ({
      ...r,
      timestamp: timestampFromMillis(timestampToMillis(r.timestamp) + 1000),
    }));
    await client.upsertReadings(later);
    expect(await client.getDeviceMetadata('282c02424eed')).toEqual({
      ...before,
      last_updated: later
        .map((r) => r.timestamp)
        .sort()
        .at(-1),
    });
  });

  it('answers UnavailableError when Redis is gone', async () => {
    await using client = createCacheClient({
      transport: 'redis',
      url: 'redis://127.0.0.1:1',
      redisOptions: { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true },
    });
    await expect(client.getDeviceMetadata('x')).rejects.toMatchObject({ code: 'CACHE_006', retriable: true });
    expect((await client.checkHealth()).status).toBe('unhealthy');
  });
});
