/**
 * upsertReadings of this build (../dist) against a baseline build on one Redis, alternating batch
 * by batch, so both see the same machine load: `BENCH_BASELINE=/path/to/old/dist/index.js node
 * bench/upsert-ab.bench.ts` (BENCH_CURRENT replaces ../dist/index.js). BENCH_READINGS (default 300,000 per round), BENCH_ROUNDS (default 4)
 * and BENCH_BATCH (default 10,000) tune it. Prints readings/s per round and the ratio current /
 * baseline (median of the per-round ratios). BENCH_CORRELATION=1 writes through the transport
 * with a correlation id per reading (`correlationIds`, as the ingestor does; a baseline without
 * per-device ids ignores them and appends the call's id) instead of `client.upsertReadings`.
 */
import { Redis } from 'ioredis';
import { benchRedis } from './redis-server.ts';
import { buildWorkload } from './workload.ts';

const TOTAL = Number(process.env.BENCH_READINGS ?? 300_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const BATCH = Number(process.env.BENCH_BATCH ?? 10_000);
const BASELINE = process.env.BENCH_BASELINE;
const CORRELATION = process.env.BENCH_CORRELATION === '1';
/** With BENCH_CORRELATION: every per-reading id null (the per-device path without ids to carry). */
const EMPTY_IDS = process.env.BENCH_CORRELATION_EMPTY === '1';

type Client = {
  upsertReadings(r: unknown[]): Promise<unknown>;
  transport: { upsertReadings(r: unknown[], context: unknown): Promise<unknown> };
  close(): Promise<void>;
};
type Factory = (options: Record<string, unknown>) => Client;

async function load(path: string): Promise<Factory> {
  const mod = (await import(path)) as { createCacheClient: Factory };
  return mod.createCacheClient;
}

/**
 * One round: both builds write the whole workload, each under its own key prefix on the same
 * Redis, batch by batch in alternation (the order flips every batch), so load changes on the
 * machine hit both alike. Returns readings/s of each.
 */
async function round(
  current: Factory,
  baseline: Factory,
  url: string,
  admin: Redis,
  readings: unknown[],
): Promise<{ current: number; baseline: number }> {
  await admin.flushall();
  const clients = {
    current: current({ transport: 'redis', url, ttlSeconds: 86_400, keyPrefix: 'c:' }),
    baseline: baseline({ transport: 'redis', url, ttlSeconds: 86_400, keyPrefix: 'b:' }),
  };
  for (const c of Object.values(clients)) await c.upsertReadings(readings.slice(0, 10)); // connect, load scripts
  await admin.flushall();
  const ms = { current: 0, baseline: 0 };
  // uuid-sized ids, as producers send them; the call's id has the same size, so a baseline that
  // stores the call's id in every event stores as many bytes
  const ids = EMPTY_IDS
    ? readings.map(() => null)
    : readings.map((_, i) => `${i.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`);
  let k = 0;
  for (let i = 0; i < readings.length; i += BATCH, k++) {
    const batch = readings.slice(i, i + BATCH);
    const context = {
      correlationId: 'ffffffff-0000-4000-8000-000000000000',
      correlationIds: ids.slice(i, i + BATCH),
    };
    for (const name of k % 2 === 0
      ? (['baseline', 'current'] as const)
      : (['current', 'baseline'] as const)) {
      const t0 = performance.now();
      if (CORRELATION) await clients[name].transport.upsertReadings(batch, context);
      else await clients[name].upsertReadings(batch);
      ms[name] += performance.now() - t0;
    }
  }
  for (const c of Object.values(clients)) await c.close();
  return { current: (readings.length / ms.current) * 1000, baseline: (readings.length / ms.baseline) * 1000 };
}

async function main() {
  if (!BASELINE) throw new Error('set BENCH_BASELINE to the index.js of the baseline build');
  const current = await load(process.env.BENCH_CURRENT ?? new URL('../dist/index.js', import.meta.url).href);
  const baseline = await load(BASELINE);
  const server = await benchRedis();
  const admin = new Redis(server.url);
  const work = buildWorkload(TOTAL, 5, 0.05);
  const ratios: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const rate = await round(current, baseline, server.url, admin, work.readings);
    ratios.push(rate.current / rate.baseline);
    console.log(
      `round ${r + 1}: baseline ${Math.round(rate.baseline)}/s, current ${Math.round(rate.current)}/s, ratio ${(rate.current / rate.baseline).toFixed(3)}`,
    );
  }
  ratios.sort((a, b) => a - b);
  const median = ratios[Math.floor(ratios.length / 2)]!;
  console.log(
    `median ratio current / baseline: ${median.toFixed(3)} (${ratios.map((x) => x.toFixed(3)).join(', ')})`,
  );
  admin.disconnect();
  await server.stop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
