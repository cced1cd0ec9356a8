/**
 * Broker outage: the test broker goes off the network (listener and connections closed, its log
 * kept) for 5 s in the middle of a stream of 20,000 messages, then comes back on the same port. The
 * running ingestor reconnects by itself and, once everything is committed, Redis holds the newest
 * reading of every device and index.
 */
import { createCacheClient } from '@org/cache-client';
import { type KafkaHandle, type RedisServer, startKafka, startRedis } from '@org/cache-testkit';
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

let kafka: KafkaHandle;
let redis: RedisServer;
let client: Kafka;
let admin: Admin;
let producer: Producer;
let child: IngestorProcess | undefined;

beforeAll(async () => {
  [kafka, redis] = await Promise.all([startKafka({ broker: { minSessionTimeoutMs: 1000 } }), startRedis()]);
  client = kafkaClient(kafka.brokers);
  admin = client.admin();
  await admin.connect();
  producer = await connectedProducer(client);
});

afterAll(async () => {
  child?.kill('SIGKILL');
  await producer?.disconnect().catch(() => {});
  await admin?.disconnect().catch(() => {});
  await kafka?.stop();
  await redis?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('broker outage', () => {
  test.skipIf(process.env.KAFKA_BROKERS)(
    'the broker is off the network for 5 s mid-stream: the ingestor resumes on its own and loses nothing',
    { timeout: 90_000 },
    async () => {
      const broker = kafka.broker!;
      const topic = await createTopic(admin, 4);
      const groupId = uniqueName('outage');
      const prefix = `${uniqueName('bo')}:`;
      const data = generateMessages(20_000, 2_000, { seed: 5, outOfOrder: 0.1 });
      child = new IngestorProcess({
        KAFKA_BOOTSTRAP_SERVERS: kafka.brokers.join(','),
        REDIS_URL: redis.url,
        KAFKA_VALIDATED_DATA_TOPIC: topic,
        KAFKA_CONSUMER_GROUP_ID: groupId,
        KEY_PREFIX: prefix,
        KAFKA_SESSION_TIMEOUT_MS: '6000',
        KAFKA_HEARTBEAT_INTERVAL_MS: '300',
        INGEST_BATCH_MAX_MESSAGES: '500',
      });
      await child.waitForLog((l) => l.msg === 'joined consumer group');
      const send = async (from: number, to: number) => {
        for (let i = from; i < to; i += 1_000) {
          await producer.send({
            topic,
            messages: data.values.slice(i, i + 1_000).map((value, j) => ({ key: data.keys[i + j]!, value })),
          });
          await sleep(100);
        }
      };
      await send(0, 10_000);
      // mid-stream: the ingestor has a backlog when the broker goes away
      await broker.goOffline();
      const offlineAt = Date.now();
      await sleep(5_000);
      await broker.goOnline();
      const offlineMs = Date.now() - offlineAt;
      await send(10_000, 20_000);
      const ends = await endOffsets(admin, topic);
      expect(ends.reduce((a, b) => a + b, 0)).toBe(20_000);
      const backAt = Date.now();
      await waitFor(
        async () => (await committedOffsets(admin, groupId, topic)).join() === ends.join(),
        60_000,
        'all committed after the outage',
      );
      const drainedMs = Date.now() - backAt;
      child.kill('SIGTERM');
      expect(await child.exited).toEqual({ code: 0, signal: null });

      const devices = createCacheClient({ transport: 'redis', url: redis.url, keyPrefix: prefix });
      try {
        const ids = [...new Set(data.keys)].sort();
        const mismatches: string[] = [];
        let checked = 0;
        for (let i = 0; i < ids.length; i += 500) {
          const slice = ids.slice(i, i + 500);
          const readings = await Promise.all(slice.map((id) => devices.getReadings(id)));
          slice.forEach((id, j) => {
            for (const index of ['B', 'P', 'T', 'U']) {
              const want = data.expected.get(`${id}|${index}`);
              const got = readings[j]!.find((r) => r.index === index);
              if (!want && !got) continue;
              checked++;
              if (got?.values[0] !== want?.value || got?.timestamp !== want?.timestamp)
                mismatches.push(`${id}|${index}: want ${JSON.stringify(want)} got ${got?.timestamp}`);
            }
          });
        }
        expect(mismatches.slice(0, 10)).toEqual([]);
        expect(checked).toBe(data.expected.size);
        console.info(
          `broker outage: off the network ${offlineMs} ms; all 20,000 committed ${drainedMs} ms after the rest was produced; ${checked} device/index states equal the newest reading`,
        );
      } finally {
        await devices.close();
      }
    },
  );
});
