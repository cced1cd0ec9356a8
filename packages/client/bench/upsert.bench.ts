/**
 * Device write throughput and memory, one run, one Redis:
 *  - upsertReadings (latest wins, Lua, batched),
 *  - a plain pipeline (HSET + EXPIRE + index per reading, batches of 500, no latest-wins),
 *  - the naive way (one awaited command at a time) on a 20,000-reading sample,
 *  - Redis bytes per device against the device's state as compact JSON.
 * BENCH_READINGS (default 1,000,000) and BENCH_BATCH (default 10,000, about one ingestor chunk) tune it.
 */
import {
  createKeyScheme,
  encodeMetadataFields,
  encodeReadingBody,
  metadataFromReading,
  type Reading,
} from '@org/cache-core';
import { Redis } from 'ioredis';
import { createCacheClient } from '../dist/index.js';
import { benchRedis } from './redis-server.ts';
import { buildWorkload } from './workload.ts';

const TOTAL = Number(process.env.BENCH_READINGS ?? 1_000_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 10_000);
const NAIVE_SAMPLE = 20_000;
const PIPELINE_BATCH = 500;
const TTL = 86_400;

const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);
const fmt = (n: number) => n.toLocaleString('en-US');

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1]);
}

async function main() {
  const server = await benchRedis();
  const admin = new Redis(server.url);
  console.log(`building workload: ${fmt(TOTAL)} readings…`);
  const work = buildWorkload(TOTAL, 5, 0.05);
  console.log(
    `${fmt(work.devices)} devices, 3 readings per message (T, U, P), ${fmt(work.replayed)} late replays\n`,
  );

  // 1. upsertReadings
  await admin.flushall();
  const emptyMemory = await usedMemory(admin);
  const client = createCacheClient({ transport: 'redis', url: server.url, ttlSeconds: TTL });
  await client.upsertReadings(work.readings.slice(0, 10)); // connect, load scripts
  await admin.flushall();
  let written = 0;
  let stale = 0;
  const t0 = performance.now();
  for (let i = 0; i < work.readings.length; i += BATCH) {
    const r = await client.upsertReadings(work.readings.slice(i, i + BATCH));
    written += r.written;
    stale += r.stale;
  }
  const upsertMs = performance.now() - t0;
  const upsertRate = rate(work.readings.length, upsertMs);
  const memory = (await usedMemory(admin)) - emptyMemory;

  // Memory per device against the compact JSON of what the API returns for it.
  let jsonBytes = 0;
  const sample = 2_000;
  for (let d = 0; d < sample; d++) {
    const id = `2c02${String(Math.floor((d * work.devices) / sample)).padStart(8, '0')}`;
    const [metadata, readings] = await Promise.all([client.getDeviceMetadata(id), client.getReadings(id)]);
    jsonBytes += Buffer.byteLength(JSON.stringify({ metadata, readings }));
  }
  const devices = (await client.getCacheInfo()).total_devices;
  const bytesPerDevice = memory / devices;
  const jsonPerDevice = jsonBytes / sample;
  await client.close();

  // 2. plain pipeline: HSET + EXPIRE + index per reading, no latest-wins.
  await admin.flushall();
  const keys = createKeyScheme('plain:');
  const plain = new Redis(server.url);
  const t1 = performance.now();
  for (let i = 0; i < work.readings.length; i += PIPELINE_BATCH) {
    const p = plain.pipeline();
    for (const r of work.readings.slice(i, i + PIPELINE_BATCH)) plainCommands(p, keys, r);
    await p.exec();
  }
  const plainMs = performance.now() - t1;
  const plainRate = rate(work.readings.length, plainMs);

  // 3. naive: the same commands, each awaited.
  await admin.flushall();
  const t2 = performance.now();
  for (const r of work.readings.slice(0, NAIVE_SAMPLE)) {
    const meta = metadataFromReading(r);
    if (meta) await plain.hset(keys.deviceMetadata(r.device_id), ...encodeMetadataFields(meta));
    await plain.hset(keys.deviceReadings(r.device_id), r.index, encodeReadingBody(r));
    await plain.expire(keys.deviceMetadata(r.device_id), TTL);
    await plain.zadd(keys.deviceIndexByExpiry, Date.now() + TTL * 1000, r.device_id);
  }
  const naiveMs = performance.now() - t2;
  const naiveRate = rate(NAIVE_SAMPLE, naiveMs);
  plain.disconnect();

  console.log('readings/s');
  console.log(
    `  upsertReadings (latest wins, batch ${BATCH}): ${fmt(upsertRate)}  (${(upsertMs / 1000).toFixed(1)} s; written ${fmt(written)}, stale ${fmt(stale)})`,
  );
  console.log(`  plain pipeline (batches of ${PIPELINE_BATCH}):         ${fmt(plainRate)}`);
  console.log(`  naive (await each command, ${fmt(NAIVE_SAMPLE)}):      ${fmt(naiveRate)}`);
  console.log(
    `  ratio upsertReadings / plain pipeline:       ${(upsertRate / plainRate).toFixed(2)}x (target >= 2x, and >= 150,000/s)`,
  );
  console.log(`  ratio upsertReadings / naive:                ${(upsertRate / naiveRate).toFixed(1)}x`);
  console.log('memory');
  console.log(
    `  Redis bytes per device:        ${bytesPerDevice.toFixed(0)} (${fmt(devices)} devices, ${fmt(memory)} bytes)`,
  );
  console.log(`  compact JSON of device state:  ${jsonPerDevice.toFixed(0)}`);
  console.log(
    `  ratio:                         ${(bytesPerDevice / jsonPerDevice).toFixed(2)}x (target <= 1.25x)`,
  );

  admin.disconnect();
  await server.stop();
}

function plainCommands(
  p: ReturnType<Redis['pipeline']>,
  keys: ReturnType<typeof createKeyScheme>,
  r: Reading,
) {
  const meta = metadataFromReading(r);
  const metaKey = keys.deviceMetadata(r.device_id);
  if (meta) p.hset(metaKey, ...encodeMetadataFields(meta));
  p.hset(keys.deviceReadings(r.device_id), r.index, encodeReadingBody(r));
  p.expire(metaKey, TTL);
  p.zadd(keys.deviceIndexByExpiry, Date.now() + TTL * 1000, r.device_id);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
