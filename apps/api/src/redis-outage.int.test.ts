import { createCacheClient } from '@org/cache-client';
import { timestampFromMillis } from '@org/cache-core';
import { freePort, RedisProcess } from '@org/cache-testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SpawnedApi, spawnApi } from './test/spawn-api.js';

/** One answer seen by a reader: when it was sent and answered (ms since the test's start), its status. */
interface Answer {
  sentAt: number;
  doneAt: number;
  status: number;
  code?: string;
  retryAfter: string | null;
}

const CLIENTS = 16;
const OUTAGE_MS = 4_000;

let redis: RedisProcess;
let api: SpawnedApi;
beforeAll(async () => {
  // appendonly: the restarted server holds the seeded device again
  redis = new RedisProcess(await freePort(), ['--appendonly', 'yes', '--appendfsync', 'always']);
  await redis.start();
  const seed = createCacheClient({ transport: 'redis', url: `redis://127.0.0.1:${redis.port}` });
  await seed.upsertReadings([
    {
      device_id: 'outage-dev',
      index: '0',
      timestamp: timestampFromMillis(Date.now()),
      request_id: null,
      values: [1],
      labels: null,
      display_names: null,
      metadata: null,
    },
  ]);
  await seed.close();
  // the rate limiter (on Redis) stays on, as deployed, with room for the 16 readers
  api = await spawnApi({ REDIS_URL: `redis://127.0.0.1:${redis.port}`, RATE_LIMIT_REQUESTS: '1000000' });
});
afterAll(async () => {
  api?.child.kill('SIGTERM');
  await api?.exited;
  await redis?.destroy();
});

describe('a Redis outage under 16 readers', () => {
  it('answers only 503 CACHE_006 with Retry-After in milliseconds, says why on /health, and recovers without a restart', async () => {
    const start = performance.now();
    const now = () => performance.now() - start;
    const url = `${api.url}/api/devices/outage-dev/readings`;
    const answers: Answer[][] = Array.from({ length: CLIENTS }, () => []);
    let stop = false;
    const reader = async (n: number) => {
      while (!stop) {
        const sentAt = now();
        const response = await fetch(url);
        const body = (await response.json()) as { error?: { code: string } };
        answers[n]!.push({
          sentAt,
          doneAt: now(),
          status: response.status,
          code: body.error?.code,
          retryAfter: response.headers.get('retry-after'),
        });
        if (response.status !== 200) await new Promise((r) => setTimeout(r, 5));
      }
    };
    const readers = Array.from({ length: CLIENTS }, (_, n) => reader(n));
    await new Promise((r) => setTimeout(r, 1_000));
    const killedAt = now();
    await redis.stop('SIGKILL');
    await new Promise((r) => setTimeout(r, OUTAGE_MS / 2));
    const health = await fetch(`${api.url}/health/ready`);
    const healthBody = (await health.json()) as { ready: boolean; message: string };
    await new Promise((r) => setTimeout(r, OUTAGE_MS / 2));
    const restartedAt = now();
    await redis.start();
    const recovered = now();
    // every reader must see a 200 within 2 s of the restart
    const deadline = Date.now() + 3_000;
    while (
      Date.now() < deadline &&
      !answers.every((a) => a.some((x) => x.sentAt > recovered && x.status === 200))
    )
      await new Promise((r) => setTimeout(r, 20));
    stop = true;
    await Promise.all(readers);

    const all = answers.flat();
    const before = all.filter((a) => a.doneAt < killedAt);
    const during = all.filter((a) => a.sentAt > killedAt && a.doneAt < restartedAt);
    expect(before.length).toBeGreaterThan(CLIENTS);
    expect(new Set(before.map((a) => a.status))).toEqual(new Set([200]));
    // one status for one condition
    expect(new Set(during.map((a) => `${a.status} ${a.code}`))).toEqual(new Set(['503 CACHE_006']));
    expect(during.every((a) => a.retryAfter !== null && Number(a.retryAfter) >= 1)).toBe(true);
    const latencies = during.map((a) => a.doneAt - a.sentAt).sort((x, y) => x - y);
    const p99 = latencies[Math.floor(latencies.length * 0.99)]!;
    const p50 = latencies[Math.floor(latencies.length * 0.5)]!;
    if (!(p99 < 50))
      console.info(
        'slowest answers during the outage',
        [...during]
          .sort((x, y) => y.doneAt - y.sentAt - (x.doneAt - x.sentAt))
          .slice(0, 15)
          .map((a) => [Math.round(a.sentAt - killedAt), Math.round(a.doneAt - a.sentAt)]),
        during.length,
      );
    expect(p99).toBeLessThan(50);
    expect(health.status).toBe(503);
    expect(healthBody.ready).toBe(false);
    expect(healthBody.message).toMatch(/connection is down/);
    // the refusals are logged once a second, each line saying how many requests it stands for
    const refusalLogs = api.logs.filter((l) => l.reason === 'connection_down');
    expect(refusalLogs.length).toBeGreaterThanOrEqual(1);
    expect(refusalLogs.length).toBeLessThanOrEqual(Math.ceil(OUTAGE_MS / 1000) + 1);
    expect(refusalLogs.reduce((n, l) => n + Number(l.requests), 0)).toBeLessThanOrEqual(during.length + 100);
    const recoveries = answers.map((a) => {
      const ok = a.find((x) => x.sentAt > recovered && x.status === 200);
      return ok ? ok.doneAt - recovered : Number.POSITIVE_INFINITY;
    });
    const slowest = Math.max(...recoveries);
    expect(slowest).toBeLessThan(2_000);
    console.info(
      `outage: ${during.length} answers in ${(restartedAt - killedAt).toFixed(0)} ms, all 503 CACHE_006; ` +
        `p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${latencies.at(-1)?.toFixed(1)} ms; ` +
        `redis back after ${(recovered - restartedAt).toFixed(0)} ms, every client 200 within ${slowest.toFixed(0)} ms`,
    );
  }, 60_000);
});
