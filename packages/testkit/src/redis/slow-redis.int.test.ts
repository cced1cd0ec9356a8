import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type CacheClient, createCacheClient, ErrorCode, isCacheError } from '@org/cache-client';
import { resilienceOf } from '@org/cache-client/resilience';
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

/** Heap in use after a full collection (so that growth means retained memory, not garbage). */
function retainedHeap(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

/** Commands ioredis still holds (sent and unanswered, or waiting for a connection). */
function heldCommands(client: CacheClient): number {
  const redis = (
    client.transport as unknown as {
      redis: { commandQueue: { length: number }; offlineQueue: { length: number } };
    }
  ).redis;
  return redis.commandQueue.length + redis.offlineQueue.length;
}

describe('a slow Redis', () => {
  it.each<PauseMode>(['client-pause', 'debug-sleep'])(
    '%s for 2 s: calls time out at the configured timeout, memory and handles stay bounded, then it recovers',
    async (mode) => {
      const handlesBefore = process.getActiveResourcesInfo().length;
      const heapBefore = retainedHeap();
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

      // The pause took hold somewhere after pausedAt (redis-cli has to start first: slow on a loaded
      // machine) and lasted PAUSE_MS up to about resumedAt, so it surely covered this window.
      const pauseStart = Math.max(pausedAt, resumedAt - PAUSE_MS);
      const during = outcomes.filter((o) => o.sent > pauseStart + 50 && o.sent + TIMEOUT_MS < resumedAt - 50);
      expect(during.length).toBeGreaterThanOrEqual(16);
      expect(new Set(during.map((o) => o.code))).toEqual(new Set([ErrorCode.TIMEOUT]));
      const times = during.map((o) => o.ms).sort((a, b) => a - b);
      expect(times[0]).toBeGreaterThanOrEqual(TIMEOUT_MS - 10);
      expect(times.at(-1)).toBeLessThan(TIMEOUT_MS + 250);
      // recovered: every call sent a little after the pause succeeded
      const after = outcomes.filter((o) => o.sent > resumedAt + 200);
      expect(after.length).toBeGreaterThan(16);
      expect(after.every((o) => o.code === 'ok')).toBe(true);
      const counts = { during: during.length, after: after.length };
      // the test's own records are let go before the heap is measured
      outcomes.length = 0;
      during.length = 0;
      after.length = 0;
      await sleep(100);
      const handlesAfter = process.getActiveResourcesInfo().length;
      const heapGrowth = retainedHeap() - heapBefore;
      expect(heldCommands(client)).toBe(0);
      expect(handlesAfter).toBeLessThanOrEqual(handlesBefore + 2);
      expect(heapGrowth).toBeLessThan(2 * 1024 * 1024);
      console.info(
        `slow redis (${mode} ${PAUSE_MS} ms): ${counts.during} calls during the pause, all CACHE_005 in ` +
          `${times[0]!.toFixed(0)}-${times.at(-1)!.toFixed(0)} ms (timeout ${TIMEOUT_MS} ms); ${counts.after} calls after it, all ok; ` +
          `handles ${handlesBefore} -> ${handlesAfter}, heap ${(heapGrowth / 1e6).toFixed(1)} MB`,
      );
    },
    30_000,
  );

  it('the breaker opens on timeouts (20 calls, half failed) and answers at once, then a probe closes it', async () => {
    const guarded = createCacheClient({
      transport: 'redis',
      url: `redis://127.0.0.1:${redis.port}`,
      timeout: 0.3,
      circuit_breaker: { threshold: 0.5, window: 10, min_requests: 20, open_seconds: 1 },
    });
    try {
      await guarded.getReadings('slow-1'); // connected
      const pause = pauseRedis(redis.port, 1_500, 'debug-sleep');
      await sleep(50);
      const call = async () => {
        const sent = performance.now();
        const code = await guarded.getReadings('slow-1').then(
          () => 'ok',
          (e) => (isCacheError(e) ? `${e.code} ${String(e.details.reason ?? '')}`.trim() : String(e)),
        );
        return { code, ms: performance.now() - sent };
      };
      // 20 calls time out together: the 20th failure opens the breaker
      const first = await Promise.all(Array.from({ length: 20 }, call));
      expect(new Set(first.map((o) => o.code))).toEqual(new Set([ErrorCode.TIMEOUT]));
      expect(resilienceOf(guarded.transport)?.state().breaker).toBe('open');
      const refused = await Promise.all(Array.from({ length: 50 }, call));
      expect(new Set(refused.map((o) => o.code))).toEqual(new Set([`${ErrorCode.UNAVAILABLE} circuit_open`]));
      const slowestRefusal = Math.max(...refused.map((o) => o.ms));
      expect(slowestRefusal).toBeLessThan(20);
      await pause;
      await sleep(1_000); // open_seconds: the next call is the probe
      expect((await call()).code).toBe('ok');
      expect(resilienceOf(guarded.transport)?.state().breaker).toBe('closed');
      console.info(
        `breaker: opened after 20 timeouts of ${first[0]!.ms.toFixed(0)} ms; 50 calls refused within ${slowestRefusal.toFixed(2)} ms; closed by the first probe after the pause`,
      );
    } finally {
      await guarded.close();
    }
  }, 30_000);
});
