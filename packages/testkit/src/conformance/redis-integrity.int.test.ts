import {
  type CacheClient,
  createCacheClient,
  INPUT_BOUNDS,
  isCacheError,
  type Reading,
} from '@org/cache-client';
import { mapRedisError, type RedisTransport } from '@org/cache-client/transports';
import { classifyFailure, timestampFromMillis } from '@org/cache-core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../redis/start-redis.js';
import { type RedisClusterServer, startRedisCluster } from '../redis/start-redis-cluster.js';
import { makeReading } from './reading-factory.js';

/**
 * What the Redis write path does with failures and hostile (but bounded) input, over real Redis
 * and a real 3-master cluster: a Lua failure is permanent and says nothing internal, a failed
 * batch never leaves the device index listing a device without state, and no reading the client
 * accepts can make a Redis call throw.
 */
let redis: RedisServer;
let cluster: RedisClusterServer;
let n = 0;
const prefix = () => `i${process.pid}-${Date.now()}-${n++}:`;

beforeAll(async () => {
  [redis, cluster] = await Promise.all([startRedis(), startRedisCluster({ masters: 3 })]);
}, 90_000);
afterAll(async () => {
  await Promise.all([redis?.stop(), cluster?.stop()]);
});

const clients = {
  redis: () => createCacheClient({ transport: 'redis', url: redis.url, keyPrefix: prefix() }),
  'redis cluster': () =>
    createCacheClient({ transport: 'redis', clusterNodes: cluster.nodes, keyPrefix: prefix() }),
};

async function failureOf(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

function expectNoInternals(error: unknown): void {
  expect(isCacheError(error)).toBe(true);
  const message = (error as Error).message;
  expect(message).not.toMatch(/script|sha|f_[0-9a-f]{8}|user_script|line|unpack|WRONGTYPE|@/i);
}

describe.each(Object.entries(clients))('%s write path', (_name, make) => {
  it('classes a Lua failure as permanent, with the Redis text only in the cause', async () => {
    await using client = make();
    const t = client.transport as RedisTransport;
    // A key of the wrong type under a device's metadata key: the write script fails on it.
    await t.redis.set(t.keys.deviceMetadata('wrong-type'), 'not a hash');
    const error = await failureOf(() => client.upsertReadings([makeReading('wrong-type', 'T', 1)]));
    expect(error).toMatchObject({ code: 'CACHE_010', retriable: false });
    expect(classifyFailure(error)).toBe('permanent');
    expectNoInternals(error);
    expect(String((error as Error).cause)).toMatch(/WRONGTYPE/);

    // A Lua runtime error of the kind a 5,000-key metadata caused before the bounds existed.
    const raw = await failureOf(() =>
      (t.redis as import('ioredis').Redis).eval(
        'local t = {} for i = 1, 10000 do t[i] = i end return redis.call("HSET", KEYS[1], unpack(t))',
        1,
        t.keys.deviceMetadata('unpack'),
      ),
    );
    const mapped = mapRedisError(raw, 'upsertReadings');
    expect(String((raw as Error).message)).toMatch(/unpack/);
    expect(classifyFailure(mapped)).toBe('permanent');
    expect(mapped.message).toBe('Redis refused upsertReadings');
    expectNoInternals(mapped);
  });

  it('never leaves the index listing a device without state after a failed batch', async () => {
    await using client = make();
    const t = client.transport as RedisTransport;
    await t.redis.set(t.keys.deviceMetadata('bad'), 'not a hash');
    const batch = [makeReading('good-1', 'T', 1), makeReading('bad', 'T', 1), makeReading('good-2', 'T', 1)];
    const error = await failureOf(() => client.upsertReadings(batch));
    expect(classifyFailure(error)).toBe('permanent');
    const listed = (await client.listDevices()).devices.map((d) => d.device_id);
    for (const id of ['good-1', 'bad', 'good-2']) {
      const hasState = (await client.getReadings(id)).length > 0;
      expect(listed.includes(id), id).toBe(hasState);
    }
    expect(listed).not.toContain('bad');
    // the good devices are written once the culprit is out of the batch
    await client.upsertReadings([batch[0]!, batch[2]!]);
    expect((await client.listDevices()).devices.map((d) => d.device_id)).toEqual(['good-1', 'good-2']);
  });

  it('fails a large batch cleanly when an early write call fails while later ones are being encoded', async () => {
    await using client = make();
    const t = client.transport as RedisTransport;
    await t.redis.set(t.keys.deviceMetadata('early-bad'), 'not a hash');
    const batch = [
      makeReading('early-bad', 'T', 1),
      ...Array.from({ length: 349 }, (_, i) => makeReading(`many-${String(i).padStart(3, '0')}`, 'T', 1)),
    ];
    const error = await failureOf(() => client.upsertReadings(batch));
    expect(classifyFailure(error)).toBe('permanent');
    // every listed device has state, and the culprit is not listed
    let cursor: string | null = null;
    const listed: string[] = [];
    do {
      const page = await client.listDevices({ limit: 1000, cursor });
      listed.push(...page.devices.map((d) => d.device_id));
      cursor = page.next_cursor;
    } while (cursor !== null);
    expect(listed).not.toContain('early-bad');
    const states = await Promise.all(listed.map((id) => client.getReadings(id)));
    expect(states.every((s) => s.length === 1)).toBe(true);
  });

  it('writes even 5,000 metadata keys when a caller skips the client checks (the script chunks its HSET)', async () => {
    await using client = make();
    const extra: Record<string, unknown> = {};
    for (let i = 0; i < 5_000; i++) extra[`k${i}`] = i;
    // straight to the transport: the bounds of CacheClient would refuse this (CACHE_008)
    await client.transport.storeDeviceMetadata({
      device_id: 'wide',
      datatype_id: 'x',
      datatype_name: 'X',
      datatype_unit: null,
      persist: true,
      last_updated: '2025-06-25T08:00:00.000000Z',
      additional_properties: extra,
    });
    const stored = await client.getDeviceMetadata('wide');
    expect(Object.keys(stored!.additional_properties)).toHaveLength(5_000);
    expect(stored!.additional_properties.k4999).toBe(4999);
  });

  it('accepts the largest bounded metadata (64 extra keys, values up to 16 KiB) and deep values', async () => {
    await using client = make();
    const metadata: Record<string, unknown> = { datatype_id: 'x', datatype_name: 'X', datatype_unit: null };
    for (let i = 0; i < INPUT_BOUNDS.maxMetadataKeys; i++) {
      const size = i === 0 ? INPUT_BOUNDS.maxMetadataValueBytes - 10 : 8_000; // within the 1 MiB reading
      metadata[`k${'k'.repeat(100)}${i}`] = 'v'.repeat(size);
    }
    let deep: unknown = 'leaf';
    for (let i = 1; i < INPUT_BOUNDS.maxValueDepth; i++) deep = i % 2 ? [deep] : { d: deep };
    const r = { ...makeReading('big', 'T', 1), metadata, values: [deep] };
    expect(await client.upsertReadings([r])).toMatchObject({ written: 1 });
    expect((await client.getReadings('big', 'T'))[0]?.values).toEqual([deep]);
    expect(Object.keys((await client.getDeviceMetadata('big'))!.additional_properties)).toHaveLength(64);
  });
});

describe.each(Object.entries(clients))('%s listing with the heaviest patterns', (_name, make) => {
  it('pages 2,000 ids of 256 characters without blocking the event loop', async () => {
    await using client = make();
    const ids = Array.from({ length: 2_000 }, (_, i) => {
      const n = String(i).padStart(4, '0');
      return `${n}${'a'.repeat(124)}Z${'a'.repeat(126)}${i % 2 ? 'Z' : 'a'}`;
    });
    for (let i = 0; i < ids.length; i += 500) {
      await client.upsertReadings(ids.slice(i, i + 500).map((id) => makeReading(id, 'T', 1)));
    }
    const { monitorEventLoopDelay } = await import('node:perf_hooks');
    for (const pattern of [`${'*?'.repeat(255)}*Z`, `*${'[a-z]'.repeat(100)}Z`]) {
      const delay = monitorEventLoopDelay({ resolution: 5 });
      delay.enable();
      const found: string[] = [];
      let cursor: string | null = null;
      let slowest = 0;
      do {
        const start = performance.now();
        const page = await client.listDevices({ pattern, limit: 1000, cursor });
        slowest = Math.max(slowest, performance.now() - start);
        found.push(...page.devices.map((d) => d.device_id));
        cursor = page.next_cursor;
      } while (cursor !== null);
      delay.disable();
      expect(found).toEqual(ids.filter((_, i) => i % 2 === 1));
      // each call matches at most 2 M steps between awaits: the loop is never held for long
      // (a loaded machine can deschedule the process too: the bound is loose, minutes became ms)
      expect(delay.max / 1e6, pattern.slice(0, 12)).toBeLessThan(250);
      expect(slowest).toBeLessThan(1_000);
    }
  }, 120_000);
});

/** Hostile strings: unicode of every plane, lone surrogates, quotes, backslashes, braces. */
const text = (maxLength: number) =>
  fc.oneof(
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.constantFrom('', '{', '}', '%7B', '\\', '"', '\ud800', 'a\udc00b', '😀', 'x\ty', '\u0000'),
  );

const jsonLeaf = fc.oneof(
  text(40),
  fc.double(),
  fc.integer(),
  fc.constantFrom(Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, 1e21, -0, 2 ** 53 + 1),
  fc.boolean(),
  fc.constant(null),
);

const deepValue = fc.integer({ min: 1, max: INPUT_BOUNDS.maxValueDepth + 3 }).chain((depth) =>
  jsonLeaf.map((leaf) => {
    let v: unknown = leaf;
    for (let i = 1; i < depth; i++) v = i % 2 ? [v] : { [String(i)]: v };
    return v;
  }),
);

const value = fc.oneof(jsonLeaf, deepValue, fc.jsonValue({ maxDepth: 4 }));

const hostileReading = fc.record({
  device_id: text(INPUT_BOUNDS.deviceIdMaxLength + 4),
  index: text(INPUT_BOUNDS.indexMaxLength + 2),
  timestamp: fc
    .integer({ min: Date.UTC(1, 0, 1), max: Date.now() + 3_600_000 })
    .map((ms) => timestampFromMillis(ms)),
  request_id: fc.oneof(fc.constant(null), text(40)),
  values: fc.array(value, { maxLength: 4 }),
  labels: fc.oneof(fc.constant(null), fc.array(text(10), { maxLength: 3 })),
  display_names: fc.oneof(fc.constant(null), fc.array(text(10), { maxLength: 3 })),
  metadata: fc.oneof(
    fc.constant(null),
    fc
      .tuple(
        text(20),
        text(20),
        fc.oneof(fc.constant(null), text(8)),
        fc.boolean(),
        fc.dictionary(text(INPUT_BOUNDS.maxMetadataKeyLength + 4), value, { maxKeys: 70 }),
      )
      .map(([datatype_id, datatype_name, datatype_unit, persist, extra]) => ({
        ...extra,
        datatype_id,
        datatype_name,
        datatype_unit,
        persist,
      })),
  ),
}) as fc.Arbitrary<Reading>;

/** Keeps the client's refusals (a 4xx code); anything else (a Redis failure) is a bug. */
async function upsertOrRefuse(client: CacheClient, readings: Reading[]): Promise<boolean> {
  try {
    await client.upsertReadings(readings);
    return true;
  } catch (error) {
    if (isCacheError(error) && ['CACHE_004', 'CACHE_007', 'CACHE_008'].includes(error.code)) return false;
    throw error;
  }
}

describe.each(Object.entries(clients))('%s with hostile readings', (_name, make) => {
  it('never throws from Redis on what the client accepts, and stores what memory stores', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(hostileReading, { minLength: 1, maxLength: 6 }), async (batch) => {
        await using client = make(); // a fresh key prefix: an empty cache, as the memory one
        await using memory = createCacheClient({ transport: 'memory' });
        const inMemory = await upsertOrRefuse(memory, batch);
        const inRedis = await upsertOrRefuse(client, batch);
        expect(inRedis).toBe(inMemory); // the same refusals on every transport
        if (!inRedis) return;
        accepted++;
        for (const id of new Set(batch.map((r) => r.device_id))) {
          expect(await client.getReadings(id)).toEqual(await memory.getReadings(id));
          expect(await client.getDeviceMetadata(id)).toEqual(await memory.getDeviceMetadata(id));
        }
      }),
      { numRuns: 150 },
    );
    expect(accepted).toBeGreaterThan(10);
  }, 180_000);
});
