/**
 * Cluster failover driven by the built binary: 3 masters with a replica each (node timeout 1 s).
 * While the ingestor consumes 50,000 messages (5,000 devices x 4 indexes, 10% out of order) and 4
 * readers read devices through a CacheClient on the cluster, one master is killed (SIGKILL); its
 * replica takes over. Afterwards every message is committed, every device holds the newest reading
 * per index and its metadata (nothing lost, nothing rolled back), and reads succeeded again within
 * 10 s of the kill.
 */
import { type CacheClient, createCacheClient } from '@org/cache-client';
import {
  type KafkaHandle,
  killMaster,
  type RedisClusterServer,
  startKafka,
  startRedisCluster,
} from '@org/cache-testkit';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { IngestorProcess } from './child.js';
import { generateMessages } from './data.js';
import {
  committedOffsets,
  connectedProducer,
  createTopic,
  endOffsets,
  kafkaClient,
  uniqueName,
  waitFor,
} from './helpers.js';
import { compareWithExpected } from './state-check.js';

let kafka: KafkaHandle;
let cluster: RedisClusterServer;
let client: Kafka;
let admin: Admin;
let producer: Producer;
let reader: CacheClient | undefined;
const children: IngestorProcess[] = [];

const external = Boolean(process.env.REDIS_CLUSTER_NODES || process.env.KAFKA_BROKERS);

beforeAll(async () => {
  if (external) return;
  [kafka, cluster] = await Promise.all([
    startKafka(),
    startRedisCluster({ masters: 3, replicas: 1, nodeTimeoutMs: 1_000 }),
  ]);
  client = kafkaClient(kafka.brokers);
  admin = client.admin();
  await admin.connect();
  producer = await connectedProducer(client);
}, 60_000);

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await reader?.close();
  await producer?.disconnect();
  await admin?.disconnect();
  await kafka?.stop();
  await cluster?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sum = (offsets: number[]) => offsets.reduce((a, b) => a + Math.max(0, b), 0);

describe.skipIf(external)('Redis Cluster failover under the ingestor', () => {
  test('a master killed mid-stream: replica promoted, every message committed, newest reading per device and index kept, reads back within 10 s', {
    timeout: 90_000,
  }, async () => {
    const started = performance.now();
    const topic = await createTopic(admin, 4);
    const prefix = `${uniqueName('fo')}:`;
    const groupId = uniqueName('failover');
    const data = generateMessages(50_000, 5_000, { seed: 12, outOfOrder: 0.1 });
    const ingestor = new IngestorProcess({
      KAFKA_BOOTSTRAP_SERVERS: kafka.brokers.join(','),
      REDIS_CLUSTER_NODES: cluster.nodes.join(','),
      KAFKA_VALIDATED_DATA_TOPIC: topic,
      KAFKA_CONSUMER_GROUP_ID: groupId,
      KEY_PREFIX: prefix,
      INGEST_BATCH_MAX_MESSAGES: '500',
    });
    children.push(ingestor);
    await ingestor.waitForLog((l) => l.msg === 'joined consumer group');

    // a steady stream: 1,000 messages every 100 ms, so the kill falls in the middle of it
    const production = (async () => {
      for (let i = 0; i < data.values.length; i += 1_000) {
        await producer.send({
          topic,
          messages: data.values.slice(i, i + 1_000).map((value, j) => ({ key: data.keys[i + j]!, value })),
        });
        await sleep(100);
      }
    })();

    reader = createCacheClient({ transport: 'redis', clusterNodes: cluster.nodes, keyPrefix: prefix });
    const ids = [...new Set(data.keys)];
    let killedAt = 0;
    let reading = true;
    let reads = 0;
    const readErrors: number[] = [];
    let slowestRead = 0;
    /** Per reader: the longest time between two successful reads that spans the kill or follows it. */
    const gaps: number[] = [];
    const read = async (slot: number) => {
      let lastOk = performance.now();
      gaps[slot] = 0;
      while (reading) {
        const id = ids[Math.floor(Math.random() * ids.length)]!;
        const sent = performance.now();
        try {
          await reader!.getReadings(id);
          reads++;
          const now = performance.now();
          if (killedAt > 0) {
            slowestRead = Math.max(slowestRead, now - sent);
            if (now > killedAt) gaps[slot] = Math.max(gaps[slot]!, now - Math.max(lastOk, killedAt));
          }
          lastOk = now;
        } catch {
          readErrors.push(performance.now());
          await sleep(20);
        }
      }
    };
    const readers = [0, 1, 2, 3].map(read);

    // kill once about a third is committed
    await waitFor(
      async () => sum(await committedOffsets(admin, groupId, topic)) >= 15_000,
      30_000,
      '15,000 committed',
    );
    const committedAtKill = sum(await committedOffsets(admin, groupId, topic));
    killedAt = performance.now();
    const failover = await killMaster(cluster);
    await production;
    const ends = await endOffsets(admin, topic);
    expect(sum(ends)).toBe(50_000);
    await waitFor(
      async () => (await committedOffsets(admin, groupId, topic)).join() === ends.join(),
      40_000,
      'all committed',
    );
    const drainedAt = performance.now();
    reading = false;
    await Promise.all(readers);
    ingestor.kill('SIGTERM');
    expect(await ingestor.exited).toEqual({ code: 0, signal: null });

    // the kill fell mid-stream
    expect(committedAtKill).toBeLessThan(45_000);
    // reads succeed again: the last failed read came within 10 s of the kill, no reader waited longer
    const lastReadError = readErrors.length ? Math.max(...readErrors) - killedAt : 0;
    const firstReadError = readErrors.length ? Math.min(...readErrors) - killedAt : 0;
    const longestGap = Math.max(...gaps);
    expect(lastReadError).toBeLessThan(10_000);
    expect(longestGap).toBeLessThan(10_000);

    const { checked, mismatches } = await compareWithExpected(reader, data);
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(checked).toBe(data.expected.size);

    const retryLines = ingestor.logs.filter((l) => /retrying/i.test(l.msg));
    const retries = retryLines.length;
    const retryReasons = [...new Set(retryLines.map((l) => String(l.err).slice(0, 80)))].slice(0, 3);
    console.info(
      `ingestor cluster failover: replica ${failover.promoted} promoted ${failover.ms} ms after master ${failover.killed} was killed ` +
        `(${committedAtKill} of 50,000 committed at the kill); ${readErrors.length} failed reads of ${reads + readErrors.length}, ` +
        `failures from +${firstReadError.toFixed(0)} to +${lastReadError.toFixed(0)} ms after the kill, longest gap between successful reads ${longestGap.toFixed(0)} ms, ` +
        `slowest read after the kill ${slowestRead.toFixed(0)} ms; all committed ${((drainedAt - killedAt) / 1000).toFixed(1)} s after the kill; ` +
        `${retries} ingestor retries ${JSON.stringify(retryReasons)}; ${checked} device/index states equal the newest reading; ` +
        `run ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  });
});
