/**
 * Tenant-cache get/set rate and bytes stored, plain vs compressed vs encrypted vs both, one run,
 * one Redis, each variant on its own key prefix, in alternating rounds (plain, compressed,
 * encrypted, both; then again), so the ratios compare like with like.
 * The value set is realistic JSON: device configurations with their last readings (~9 KB), user
 * sessions (~400 B) and product records (~2 KB), in equal numbers.
 * BENCH_KV_VALUES (default 3,000), BENCH_KV_ROUNDS (default 5), BENCH_KV_CONCURRENCY (default 64).
 */
import { randomBytes } from 'node:crypto';
import { type JsonValue, type KvWriteOptions, parseKeyRing, withKvOptions } from '@org/cache-core';
import { Redis } from 'ioredis';
import { type CacheClient, createCacheClient } from '../dist/index.js';
import type { RedisTransport } from '../dist/transports.js';
import { installValueCodec } from '../dist/value-codec.js';
import { benchRedis } from './redis-server.ts';

const VALUES = Number(process.env.BENCH_KV_VALUES ?? 3000);
const ROUNDS = Number(process.env.BENCH_KV_ROUNDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_KV_CONCURRENCY ?? 64);

function deviceConfig(i: number): JsonValue {
  return {
    device_id: `gw-${i}`,
    firmware: { version: `4.${i % 9}.${i % 31}`, channel: 'stable' },
    location: { site: ['Lyon', 'Paris', 'Nantes'][i % 3]!, floor: i % 7, room: `B-${i % 400}` },
    readings: Array.from({ length: 50 }, (_, r) => ({
      index: ['T', 'U', 'P'][r % 3]!,
      timestamp: `2026-11-30T10:${String(r % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.000000Z`,
      values: [Math.round((20 + Math.sin(i + r) * 5) * 100) / 100, (i * r) % 100],
      labels: ['temperature', 'humidity'],
      metadata: { datatype_unit: r % 3 === 0 ? '°C' : '%', battery_ok: (i + r) % 17 !== 0 },
    })),
  };
}
const session = (i: number): JsonValue => ({
  user_id: `u-${i}`,
  token: randomBytes(24).toString('base64url'),
  roles: ['reader', i % 5 === 0 ? 'admin' : 'writer'],
  created_at: new Date(Date.UTC(2026, 10, 30, 0, 0, i % 86_400)).toISOString(),
  ip: `10.${i % 256}.${(i >> 8) % 256}.${i % 13}`,
  agent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
});
const product = (i: number): JsonValue => ({
  sku: `SKU-${100_000 + i}`,
  name: `Sensor kit ${i % 50}`,
  description: `Wireless sensor kit with ${i % 5} probes, LoRaWAN gateway, battery pack and mounting brackets.`,
  prices: [
    { currency: 'EUR', amount: 99 + (i % 50) },
    { currency: 'USD', amount: 109 + (i % 50) },
  ],
  attributes: Object.fromEntries(
    Array.from({ length: 20 }, (_, a) => [`attr_${a}`, `value ${(i * a) % 97}`]),
  ),
  stock: { lyon: i % 40, paris: (i * 3) % 40, nantes: (i * 7) % 40 },
});

const VARIANTS: { name: string; options: KvWriteOptions; codec: boolean }[] = [
  { name: 'plain (no codec)', options: {}, codec: false },
  { name: 'compressed', options: { compression: true }, codec: true },
  { name: 'encrypted', options: { encryption: true, compression: false }, codec: true },
  { name: 'compressed+encrypted', options: { encryption: true, compression: true }, codec: true },
];

async function runPool<T>(items: T[], work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main() {
  const server = await benchRedis();
  const admin = new Redis(server.url);
  const keyRing = parseKeyRing(`bench:${randomBytes(32).toString('base64')}`);
  const values = Array.from({ length: VALUES }, (_, i) => {
    const value = [deviceConfig, session, product][i % 3]!(i);
    return { key: `k:${i}`, json: JSON.stringify(value), ttl: 3600 };
  });
  const jsonBytes = values.reduce((sum, v) => sum + Buffer.byteLength(v.json), 0);
  const clients: CacheClient[] = VARIANTS.map((v, n) => {
    const client = createCacheClient({ transport: 'redis', url: server.url, keyPrefix: `b${n}:` });
    if (v.codec) installValueCodec(client.transport, { keyRing });
    return client;
  });
  const sets: number[][] = VARIANTS.map(() => []);
  const gets: number[][] = VARIANTS.map(() => []);
  console.log(
    `${fmt(VALUES)} values, ${fmt(jsonBytes / VALUES)} B of JSON on average, ${ROUNDS} alternating rounds, ${CONCURRENCY} in flight`,
  );
  for (let round = 0; round < ROUNDS; round++) {
    for (let n = 0; n < VARIANTS.length; n++) {
      const client = clients[n]!;
      const context = withKvOptions(undefined, VARIANTS[n]!.options);
      let t = performance.now();
      await runPool(values, (v) => client.transport.kvSet(client.tenant, [v], context));
      sets[n]!.push((VALUES / (performance.now() - t)) * 1000);
      t = performance.now();
      await runPool(values, (v) => client.get(v.key));
      gets[n]!.push((VALUES / (performance.now() - t)) * 1000);
    }
  }
  // bytes stored: the `v` field of every entry, and Redis' own count of each entry hash
  console.log(
    '\nvariant                 set/s (x plain)     get/s (x plain)     value bytes stored (x JSON)   entry hash bytes (MEMORY USAGE)',
  );
  for (let n = 0; n < VARIANTS.length; n++) {
    const transport = clients[n]!.transport as RedisTransport;
    let stored = 0;
    let usage = 0;
    for (const v of values) {
      const key = transport.keys.kvEntry(clients[n]!.tenant, v.key);
      stored += await admin.hstrlen(key, 'v');
      usage += Number(await admin.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
    }
    const s = median(sets[n]!);
    const g = median(gets[n]!);
    console.log(
      `${VARIANTS[n]!.name.padEnd(22)}  ${fmt(s).padStart(7)} (${(s / median(sets[0]!)).toFixed(2)})    ${fmt(g).padStart(7)} (${(g / median(gets[0]!)).toFixed(2)})    ${fmt(stored).padStart(11)} (${(stored / jsonBytes).toFixed(2)})              ${fmt(usage)}`,
    );
  }
  console.log('\nper round (set/s):');
  for (let n = 0; n < VARIANTS.length; n++)
    console.log(`  ${VARIANTS[n]!.name.padEnd(22)} ${sets[n]!.map(fmt).join('  ')}`);
  await Promise.all(clients.map((c) => c.close()));
  admin.disconnect();
  await server.stop();
}

await main();
