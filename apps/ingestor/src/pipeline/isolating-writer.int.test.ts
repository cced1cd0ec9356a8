/**
 * The isolation of readings Redis refuses, against a real Redis: devices whose state key holds the
 * wrong type (WRONGTYPE in the Lua write) are found by splitting the batch, with a few extra calls;
 * the rest is written. Refused credentials are fatal at once, naming the setting.
 */
import { type CacheClient, createCacheClient } from '@org/cache-client';
import type { RedisTransport } from '@org/cache-client/transports';
import { createKeyScheme, type Reading } from '@org/cache-core';
import { type RedisServer, startRedis } from '@org/cache-testkit';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { lockedRedis } from '../../test/locked-redis.js';
import { IngestorMetrics } from '../ops/metrics.js';
import { DependencyRetry } from './dependency-retry.js';
import { FatalIngestError } from './fatal-error.js';
import { IsolatingWriter } from './isolating-writer.js';

const logger = pino({ level: 'silent' });
let redis: RedisServer;

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await redis?.stop();
});

const reading = (device: string, i: number): Reading => ({
  device_id: device,
  index: ['T', 'U', 'P'][i % 3]!,
  timestamp: new Date(Date.UTC(2025, 5, 25, 8) + i * 1000).toISOString().replace('Z', '000Z'),
  request_id: `r${i}`,
  values: [i],
  labels: null,
  display_names: null,
  metadata: null,
});

function writer(client: CacheClient, metrics = new IngestorMetrics({ defaultMetrics: false })) {
  const retry = new DependencyRetry({
    retry: { initialDelayMs: 1, maxDelayMs: 5, giveUpAfterMs: 2_000 },
    logger,
    metrics,
  });
  return { metrics, writer: new IsolatingWriter({ client, retry, target: 'redis', metrics }) };
}

describe('IsolatingWriter over real Redis', () => {
  test('3 poisoned devices among 1,000 readings: exactly those are refused (write_failed), all others are written, with few extra calls', async () => {
    const prefix = 'iso1:';
    const client = createCacheClient({ transport: 'redis', url: redis.url, keyPrefix: prefix });
    const raw = (client.transport as RedisTransport).redis;
    try {
      const readings = Array.from({ length: 1000 }, (_, i) => reading(`dev-${i % 250}`, i));
      const poisoned = [17, 480, 903];
      for (const p of poisoned) {
        readings[p] = reading(`poisoned-${p}`, p);
        await raw.sadd(createKeyScheme(prefix).deviceReadings(`poisoned-${p}`), 'x');
      }
      const { writer: w, metrics } = writer(client);
      const out = await w.write(readings, {});
      expect(out.refused.map((r) => r.position).sort((a, b) => a - b)).toEqual(poisoned);
      for (const r of out.refused) {
        expect(r).toMatchObject({ errorCode: 'write_failed', code: 'CACHE_010' });
        expect(r.reason).not.toMatch(/WRONGTYPE|sha|script/i); // no internal detail
      }
      expect(out.written + out.stale).toBe(1000 - poisoned.length);
      // k culprits in n: about 2k·log2(n) extra calls at most, far from one call per reading.
      expect(out.extraCalls).toBeGreaterThan(0);
      expect(out.extraCalls).toBeLessThanOrEqual(2 * poisoned.length * Math.ceil(Math.log2(1000)));
      expect(await metrics.text()).toContain(`ingestor_isolation_writes_total ${out.extraCalls}`);
      for (let d = 0; d < 250; d++) {
        const stored = await client.getReadings(`dev-${d}`);
        expect(stored.length, `dev-${d}`).toBeGreaterThan(0);
      }
      const newest = (await client.getReadings('dev-249', 'T'))[0]; // readings 249 (T), 499 (U), 749 (P), 999 (T)
      expect(newest?.values).toEqual([999]);
    } finally {
      await client.close();
    }
  });

  test('a batch without culprits is one call', async () => {
    const client = createCacheClient({ transport: 'redis', url: redis.url, keyPrefix: 'iso2:' });
    try {
      const out = await writer(client).writer.write(
        Array.from({ length: 500 }, (_, i) => reading(`d${i % 50}`, i)),
        {},
      );
      expect(out).toMatchObject({ refused: [], extraCalls: 0 });
      expect(out.written + out.stale).toBe(500);
    } finally {
      await client.close();
    }
  });

  test.skipIf(process.env.REDIS_URL)(
    'refused credentials: a FatalIngestError naming REDIS_URL, at once, without splitting',
    async () => {
      const locked = await lockedRedis();
      const client = createCacheClient({
        transport: 'redis',
        url: locked.url,
        redisOptions: { maxRetriesPerRequest: 1 },
      });
      try {
        const { writer: w, metrics } = writer(client);
        const started = Date.now();
        const error = await w.write([reading('a', 1), reading('b', 2)], {}).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(FatalIngestError);
        expect((error as FatalIngestError).message).toMatch(/REDIS_URL/);
        expect(Date.now() - started).toBeLessThan(5_000);
        expect(await metrics.text()).not.toMatch(/ingestor_isolation_writes_total [1-9]/);
      } finally {
        await client.close().catch(() => {});
        await locked.stop();
      }
    },
  );
});
