/**
 * SSE throughput to one reader: `BENCH_EVENTS` (200,000) device events are written to the outbox
 * of a real Redis first, then one reader follows `GET /api/v2/events?since=0` from the API served
 * over that Redis and counts the frames until it has them all. Run alone with
 * `npx vitest run --config vitest.bench.config.ts bench/sse-events.bench.ts`.
 */
import { createCacheClient, type Reading } from '@org/cache-client';
import { timestampFromMillis } from '@org/cache-core';
import { startRedis } from '@org/cache-testkit';
import { expect, it } from 'vitest';
import { serveApp } from '../src/test/serve.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);

it(`SSE delivers ${EVENTS.toLocaleString('en')} events to one reader`, async () => {
  const redis = await startRedis();
  const client = createCacheClient({ transport: 'redis', url: redis.url, keyPrefix: 'sse-bench:' });
  const served = await serveApp({ client, limits: { rateLimit: null } });
  try {
    const stamp = timestampFromMillis(Date.now() - 60_000);
    for (let i = 0; i < EVENTS; i += 5_000) {
      const batch: Reading[] = [];
      for (let j = i; j < Math.min(EVENTS, i + 5_000); j++) {
        batch.push({
          device_id: `bench-${j}`,
          index: 'T',
          timestamp: stamp,
          request_id: null,
          values: [j],
          labels: ['t'],
          display_names: null,
          metadata: null,
        } as unknown as Reading);
      }
      await client.upsertReadings(batch);
    }
    const started = performance.now();
    const response = await fetch(`${served.url}/api/v2/events?since=0&kinds=device`, {
      headers: { accept: 'text/event-stream', 'x-tenant-id': 'bench' },
    });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let frames = 0;
    let tail = '';
    while (frames < EVENTS) {
      const { value, done } = await reader.read();
      if (done) break;
      const text = tail + decoder.decode(value, { stream: true });
      let at = text.indexOf('\nid: ');
      let from = 0;
      while (at >= 0) {
        frames++;
        from = at + 1;
        at = text.indexOf('\nid: ', from);
      }
      tail = text.slice(Math.max(from, text.length - 8));
    }
    const seconds = (performance.now() - started) / 1000;
    await reader.cancel();
    const rate = Math.round(frames / seconds);
    console.log(
      `SSE: ${frames.toLocaleString('en')} events in ${seconds.toFixed(2)} s -> ${rate.toLocaleString('en')} events/s to one reader`,
    );
    expect(frames).toBeGreaterThanOrEqual(EVENTS - 1);
  } finally {
    await served.stop();
    await client.close();
    await redis.stop();
  }
});
