import { type CacheClient, createCacheClient, ErrorCode, isCacheError } from '@org/cache-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeReading } from '../conformance/reading-factory.js';
import { freePort } from '../ports.js';
import { type PauseMode, pauseRedis } from './redis-faults.js';
import { RedisProcess } from './redis-process.js';

/**
 * A slow Redis (it accepts commands but does not answer for 2 s): with `timeout: 0.5` every call
 * fails with CACHE_005 after ~500 ms (never hangs, none waits for the pause to end), the process's
 * heap and open handles stay bounded, and calls succeed again once Redis answers.
 */
const TIMEOUT_MS = 500;
const PAUSE_MS = 2_000;
let redis: RedisProcess;
let client: CacheClient;

beforeAll(async () => {
  redis = new RedisProcess(await freePort(), ['--enable-debug-command', 'yes']);
  await redis.start();
  client = createCacheClient({
    transport: 'redis',
    url: `redis://127.0.0.1:${redis.port}`,
    timeout: TIMEOUT_MS / 1000,
  });
  await client.upsertReadings([makeReading('slow-1', 'T', 1)]);
});
afterAll(async () => {
  await client?.close();
  await redis?.destroy();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a slow Redis', () => {
  it.each<PauseMode>(['client-pause', 'debug-sleep'])(
    '%s for 2 s: calls time out at the configured timeout, memory and handles stay bounded, then it recovers',
    async (mode) => {
      const handlesBefore = process.getActiveResourcesInfo().length;
      const heapBefore = process.memoryUsage().heapUsed;
      const outcomes: { sent: number; ms: number; code: string }[] = [];
      let stop = false;
      const start = performance.now();
      const reader = async () => {
        while (!stop) {
          const sent = performance.now() - start;
          const code = await client.getReadings('slow-1').then(
            () => 'ok',
            (e) => (isCacheError(e) ? e.code : String(e)),
          );
          outcomes.push({ sent, ms: performance.now() - start - sent, code });
        }
      };
      const readers = Array.from({ length: 16 }, reader);
      await sleep(300);
      const pausedAt = performance.now() - start;
      await pauseRedis(redis.port, PAUSE_MS, mode);
      const resumedAt = performance.now() - start;
      await sleep(1_000);
      stop = true;
      await Promise.all(readers);

      const during = outcomes.filter((o) => o.sent > pausedAt + 50 && o.sent + TIMEOUT_MS < resumedAt - 50);
      expect(during.length).toBeGreaterThanOrEqual(16);
      expect(new Set(during.map((o) => o.code))).toEqual(new Set([ErrorCode.TIMEOUT]));
      const times = during.map((o) => o.ms).sort((a, b) => a - b);
      expect(times[0]).toBeGreaterThanOrEqual(TIMEOUT_MS - 10);
      expect(times.at(-1)).toBeLessThan(TIMEOUT_MS + 250);
      // recovered: every call sent a little after the pause succeeded
      const after = outcomes.filter((o) => o.sent > resumedAt + 200);
      expect(after.length).toBeGreaterThan(16);
      expect(after.every((o) => o.code === 'ok')).toBe(true);
      await sleep(100);
      const handlesAfter = process.getActiveResourcesInfo().length;
      const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
      expect(handlesAfter).toBeLessThanOrEqual(handlesBefore + 2);
      expect(heapGrowth).toBeLessThan(50 * 1024 * 1024);
      console.info(
        `slow redis (${mode} ${PAUSE_MS} ms): ${during.length} calls during the pause, all CACHE_005 in ` +
          `${times[0]!.toFixed(0)}-${times.at(-1)!.toFixed(0)} ms (timeout ${TIMEOUT_MS} ms); ${after.length} calls after it, all ok; ` +
          `handles ${handlesBefore} -> ${handlesAfter}, heap ${(heapGrowth / 1e6).toFixed(1)} MB`,
      );
    },
    30_000,
  );
});
