import { type CacheClient, createCacheClient, type Reading } from '@org/cache-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeReading, seededRandom } from '../conformance/reading-factory.js';
import { killMaster } from './redis-faults.js';
import { type RedisClusterServer, startRedisCluster } from './start-redis-cluster.js';

/**
 * Cluster failover under load: 3 masters with a replica each (node timeout 1 s). While 50,000
 * readings (5,000 devices x 4 indexes, out of order) are written with upsertReadings and 4
 * readers read, the master owning part of the devices is killed (SIGKILL); its replica takes over.
 * Afterwards every device holds the newest reading per index (nothing lost, nothing rolled back),
 * and reads succeed again within 10 s of the kill.
 */
let cluster: RedisClusterServer;
let writer: CacheClient;
let reader: CacheClient;

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3, replicas: 1, nodeTimeoutMs: 1_000 });
}, 60_000);
afterAll(async () => {
  await writer?.close();
  await reader?.close();
  await cluster?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(process.env.REDIS_CLUSTER_NODES)('Redis Cluster failover', () => {
  it('a master killed mid-stream: its replica is promoted, no reading is lost or rolled back, reads come back within 10 s', async () => {
    const random = seededRandom(12);
    const indexes = ['T', 'U', 'P', 'B'];
    const readings: Reading[] = [];
    const newest = new Map<string, Reading>();
    for (let i = 0; i < 50_000; i++) {
      const id = `fo-${Math.floor(random() * 5_000)}`;
      const index = indexes[Math.floor(random() * 4)]!;
      // mostly increasing time, 10% older than what came before (late or replayed readings)
      const seconds = random() < 0.1 ? Math.floor(random() * i) : i;
      const reading = makeReading(id, index, seconds, i);
      readings.push(reading);
      const key = `${id}|${index}`;
      const seen = newest.get(key);
      if (!seen || seen.timestamp < reading.timestamp) newest.set(key, reading);
    }
    const prefix = `fo${Date.now()}:`;
    const options = {
      transport: 'redis' as const,
      clusterNodes: cluster.nodes.slice(0, 3),
      keyPrefix: prefix,
    };
    writer = createCacheClient(options);
    reader = createCacheClient(options);

    let killedAt = 0;
    let writeFailures = 0;
    const readErrors: number[] = [];
    let reads = 0;
    let slowestRead = 0;
    let batchesWritten = 0;
    let writing = true;
    const write = (async () => {
      for (let i = 0; i < readings.length; i += 500) {
        const batch = readings.slice(i, i + 500);
        // like the ingestor: a batch that failed is sent again (newest-wins makes it harmless)
        for (;;) {
          try {
            await writer.upsertReadings(batch);
            batchesWritten++;
            break;
          } catch {
            writeFailures++;
            await sleep(100);
          }
        }
        await sleep(30); // a steady stream, so the kill falls in the middle of it
      }
      writing = false;
    })();
    const read = async () => {
      while (writing) {
        const id = `fo-${Math.floor(Math.random() * 5_000)}`;
        const sent = performance.now();
        try {
          await reader.getReadings(id);
          reads++;
          if (killedAt > 0) slowestRead = Math.max(slowestRead, performance.now() - sent);
        } catch {
          readErrors.push(performance.now());
          await sleep(20);
        }
      }
    };
    const readers = Array.from({ length: 4 }, read);
    while (batchesWritten < 20) await sleep(10);
    killedAt = performance.now();
    const batchesAtKill = batchesWritten;
    const failover = await killMaster(cluster);
    await Promise.all([write, ...readers]);
    // the kill fell mid-stream
    expect(batchesAtKill).toBeLessThan(60);
    expect(batchesWritten).toBe(100);

    // reads succeed again: the last failed read came within 10 s of the kill
    const lastReadError = readErrors.length ? Math.max(...readErrors) - killedAt : 0;
    expect(lastReadError).toBeLessThan(10_000);
    expect(slowestRead).toBeLessThan(10_000);
    const afterwards = await Promise.all(
      Array.from({ length: 20 }, (_, i) => reader.getReadings(`fo-${i}`).then(() => true)),
    );
    expect(afterwards.every(Boolean)).toBe(true);

    const ids = [...new Set(readings.map((r) => r.device_id))].sort();
    const mismatches: string[] = [];
    let checked = 0;
    for (let i = 0; i < ids.length; i += 250) {
      const slice = ids.slice(i, i + 250);
      const states = await Promise.all(slice.map((id) => reader.getReadings(id)));
      slice.forEach((id, j) => {
        for (const index of indexes) {
          const want = newest.get(`${id}|${index}`);
          const got = states[j]!.find((r) => r.index === index);
          if (!want && !got) continue;
          checked++;
          if (got?.timestamp !== want?.timestamp)
            mismatches.push(`${id}|${index}: want ${want?.timestamp} got ${got?.timestamp}`);
        }
      });
    }
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(checked).toBe(newest.size);
    console.info(
      `cluster failover: replica ${failover.promoted} promoted ${failover.ms} ms after master ${failover.killed} was killed; ` +
        `${writeFailures} write batch failures resent; ${readErrors.length} failed reads of ${reads + readErrors.length}, ` +
        `the last ${lastReadError.toFixed(0)} ms after the kill, slowest successful read after the kill ${slowestRead.toFixed(0)} ms; ` +
        `killed after ${batchesAtKill} of 100 batches; ${checked} device/index states equal the newest reading`,
    );
  }, 60_000);
});
