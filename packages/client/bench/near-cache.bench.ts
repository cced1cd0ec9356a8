/**
 * `node bench/near-cache.bench.ts` (build first): `getDeviceMetadata` lookups per second on one
 * Redis, without and with the near-cache, in alternating rounds (random ids, `BENCH_CONCURRENCY`
 * lookups in flight); then the invalidation delay: another client rewrites a device the reader
 * has cached, and the time from the write's answer (and from its call) to the reader's
 * invalidation is recorded (p50, p99).
 */
import { createCacheClient, type Reading } from '../dist/index.js';
import { benchRedis } from './redis-server.ts';

const DEVICES = Number(process.env.BENCH_DEVICES ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 3_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const SAMPLES = Number(process.env.BENCH_INVALIDATIONS ?? 2_000);
const id = (i: number) => `dev-${String(i).padStart(6, '0')}`;
const reading = (i: number, stamp: number): Reading => ({
  device_id: id(i),
  index: 'T',
  timestamp: new Date(Date.UTC(2025, 5, 25) + stamp).toISOString().replace('Z', '000Z'),
  request_id: `r-${i}`,
  values: [i % 100],
  labels: ['T'],
  display_names: ['T'],
  metadata: {
    datatype_id: '1',
    datatype_name: 'Temperature',
    datatype_unit: '°C',
    persist: true,
    battery_ok: true,
  },
});

type Client = ReturnType<typeof createCacheClient>;
async function lookups(client: Client, ms: number): Promise<number> {
  let done = 0;
  const end = performance.now() + ms;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        await client.getDeviceMetadata(id(Math.floor(Math.random() * DEVICES)));
        done++;
      }
    }),
  );
  return done / (ms / 1000);
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

const redis = await benchRedis();
try {
  const seeder = createCacheClient({ transport: 'redis', url: redis.url });
  for (let i = 0; i < DEVICES; i += 5_000) {
    await seeder.upsertReadings(
      Array.from({ length: Math.min(5_000, DEVICES - i) }, (_, k) => reading(i + k, i + k)),
    );
  }
  const invalidatedAt = new Map<string, number>();
  const plain = createCacheClient({ transport: 'redis', url: redis.url });
  const near = createCacheClient({
    transport: 'redis',
    url: redis.url,
    nearCache: {
      maxBytes: 256 * 1024 * 1024,
      onInvalidate: (key) => invalidatedAt.set(key, performance.now()),
    },
  });
  const handle = (near.transport as unknown as { nearCache: { stats(): { hits: number; misses: number } } })
    .nearCache;
  await lookups(plain, 500);
  // warm: every device read once (the steady state of a long-running reader)
  for (let i = 0; i < DEVICES; i += 1_000) {
    await near.getDeviceMetadataMany(
      Array.from({ length: Math.min(1_000, DEVICES - i) }, (_, k) => id(i + k)),
    );
  }
  await lookups(near, 500);
  const ratios: number[] = [];
  let plainSum = 0;
  let nearSum = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const first = r % 2 === 0;
    const a = first ? await lookups(plain, ROUND_MS) : 0;
    const b = await lookups(near, ROUND_MS);
    const c = first ? a : await lookups(plain, ROUND_MS);
    plainSum += c;
    nearSum += b;
    ratios.push(b / c);
    console.log(
      `round ${r + 1}: without ${c.toFixed(0)}/s, with near-cache ${b.toFixed(0)}/s (${(b / c).toFixed(2)}x)`,
    );
  }
  const stats = handle.stats();
  console.log(
    `getDeviceMetadata, ${DEVICES} devices, ${CONCURRENCY} in flight: without ${(plainSum / ROUNDS).toFixed(0)}/s, with near-cache ${(nearSum / ROUNDS).toFixed(0)}/s (${(nearSum / plainSum).toFixed(2)}x; per round ${ratios.map((x) => x.toFixed(2)).join(', ')}); hit rate ${((100 * stats.hits) / (stats.hits + stats.misses)).toFixed(1)}%`,
  );

  // invalidation delay: the reader caches a device, another client rewrites it
  const fromAck: number[] = [];
  const fromCall: number[] = [];
  for (let s = 0; s < SAMPLES; s++) {
    const i = s % DEVICES;
    await near.getDeviceMetadata(id(i));
    // the near-cache is keyed by device id: `onInvalidate` names the id
    const key = id(i);
    invalidatedAt.delete(key);
    const called = performance.now();
    await seeder.upsertReadings([reading(i, DEVICES + s + 1_000_000)]);
    const acked = performance.now();
    while (!invalidatedAt.has(key)) await new Promise((r) => setImmediate(r));
    const at = invalidatedAt.get(key)!;
    fromAck.push(at - acked);
    fromCall.push(at - called);
  }
  fromAck.sort((x, y) => x - y);
  fromCall.sort((x, y) => x - y);
  console.log(
    `invalidation delay over ${SAMPLES} writes by another client: from the write's answer p50 ${pct(fromAck, 0.5).toFixed(3)} ms, p99 ${pct(fromAck, 0.99).toFixed(3)} ms; from the write's call p50 ${pct(fromCall, 0.5).toFixed(3)} ms, p99 ${pct(fromCall, 0.99).toFixed(3)} ms`,
  );
  await Promise.all([seeder.close(), plain.close(), near.close()]);
} finally {
  await redis.stop();
}
