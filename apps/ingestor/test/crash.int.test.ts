/**
 * Crash safety: the built binary is killed with SIGKILL at random points while 50,000 messages
 * (5,000 devices, 4 indexes, 10% out of order) flow in. After restarts, every device's state in
 * Redis equals the newest reading per device and index: nothing lost, nothing rolled back. The
 * outbox (on by default) holds one event per applied change: per device and index the applied
 * stamps strictly increase, none twice (a replayed chunk adds no event), the last one is the state.
 */
import { createCacheClient } from '@org/cache-client';
import { type KafkaHandle, type RedisServer, startKafka, startRedis } from '@org/cache-testkit';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { IngestorProcess } from './child.js';
import { generateMessages, seeded } from './data.js';
import {
  committedOffsets,
  connectedProducer,
  createTopic,
  endOffsets,
  kafkaClient,
  uniqueName,
  waitFor,
} from './helpers.js';
import { checkOutbox, readAllEvents } from './outbox-check.js';

let kafka: KafkaHandle;
let redis: RedisServer;
let client: Kafka;
let admin: Admin;
let producer: Producer;
const children: IngestorProcess[] = [];

beforeAll(async () => {
  // Sessions of 2 s (the test broker allows it) so a killed member is evicted quickly.
  [kafka, redis] = await Promise.all([startKafka({ broker: { minSessionTimeoutMs: 1000 } }), startRedis()]);
  client = kafkaClient(kafka.brokers);
  admin = client.admin();
  await admin.connect();
  producer = await connectedProducer(client);
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await producer?.disconnect();
  await admin?.disconnect();
  await kafka?.stop();
  await redis?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('crash safety', () => {
  test.skipIf(process.env.KAFKA_BROKERS)(
    'SIGKILL at random points while 50,000 messages flow: after restarts Redis holds the newest reading of every device and index',
    { timeout: 120_000 },
    async () => {
      const started = performance.now();
      const random = seeded(Number(process.env.CRASH_SEED ?? Date.now() % 100_000));
      const topic = await createTopic(admin, 4);
      const groupId = uniqueName('crash');
      const prefix = `${uniqueName('cr')}:`;
      const data = generateMessages(50_000, 5_000, { seed: 3, outOfOrder: 0.1 });
      const env = {
        KAFKA_BOOTSTRAP_SERVERS: kafka.brokers.join(','),
        REDIS_URL: redis.url,
        KAFKA_VALIDATED_DATA_TOPIC: topic,
        KAFKA_CONSUMER_GROUP_ID: groupId,
        KEY_PREFIX: prefix,
        KAFKA_SESSION_TIMEOUT_MS: '2000',
        KAFKA_HEARTBEAT_INTERVAL_MS: '300',
        INGEST_BATCH_MAX_MESSAGES: '500',
      };

      // Messages flow in the background for ~15 s: 1,000 every 300 ms. Each restart waits ~2 s for the
      // killed member's session to expire, so every new instance starts on a backlog of thousands.
      const production = (async () => {
        for (let i = 0; i < data.values.length; i += 1_000) {
          await producer.send({
            topic,
            messages: data.values.slice(i, i + 1_000).map((value, j) => ({ key: data.keys[i + j]!, value })),
          });
          await sleep(300);
        }
      })();

      const total = (offsets: number[]) => offsets.reduce((a, b) => a + Math.max(0, b), 0);
      let killedWithBacklog = 0;
      for (let round = 0; round < 7; round++) {
        const child = new IngestorProcess(env);
        children.push(child);
        await child.waitForLog((l) => l.msg === 'joined consumer group');
        if (round % 2 === 1) {
          // Aim at an instance at work: once it committed something and still has a backlog
          // (every restart waits ~2 s for the killed member's session to expire: a backlog builds up).
          const from = total(await committedOffsets(admin, groupId, topic));
          const deadline = Date.now() + 3_000;
          while (Date.now() < deadline) {
            const [e, c] = await Promise.all([
              endOffsets(admin, topic),
              committedOffsets(admin, groupId, topic),
            ]);
            if (total(c) > from && total(c) < total(e)) break;
            await sleep(5);
          }
          await sleep(random() * 50);
        } else {
          await sleep(random() * 1_500); // anywhere: joining, fetching, writing, idle
        }
        const [ends, committed] = await Promise.all([
          endOffsets(admin, topic),
          committedOffsets(admin, groupId, topic),
        ]);
        child.kill('SIGKILL');
        await child.exited;
        if (total(committed) < total(ends)) killedWithBacklog++;
      }
      await production;
      // At least the kills aimed at busy instances hit one with uncommitted messages.
      expect(killedWithBacklog).toBeGreaterThanOrEqual(3);

      // A last instance drains the rest, then stops gracefully.
      const last = new IngestorProcess(env);
      children.push(last);
      await last.waitForLog((l) => l.msg === 'joined consumer group');
      const ends = await endOffsets(admin, topic);
      expect(ends.reduce((a, b) => a + b, 0)).toBe(50_000);
      await waitFor(
        async () => (await committedOffsets(admin, groupId, topic)).join() === ends.join(),
        60_000,
        'all committed',
      );
      last.kill('SIGTERM');
      expect(await last.exited).toEqual({ code: 0, signal: null });

      const devices = createCacheClient({ transport: 'redis', url: redis.url, keyPrefix: prefix });
      try {
        const ids = [...new Set(data.keys)].sort();
        const mismatches: string[] = [];
        let checked = 0;
        for (let i = 0; i < ids.length; i += 500) {
          const slice = ids.slice(i, i + 500);
          const [readings, metadata] = await Promise.all([
            Promise.all(slice.map((id) => devices.getReadings(id))),
            devices.getDeviceMetadataMany(slice),
          ]);
          slice.forEach((id, j) => {
            let newest = '';
            for (const index of ['B', 'P', 'T', 'U']) {
              const want = data.expected.get(`${id}|${index}`);
              const got = readings[j]!.find((r) => r.index === index);
              if (want && want.timestamp > newest) newest = want.timestamp;
              if (!want && !got) continue;
              checked++;
              if (got?.values[0] !== want?.value || got?.timestamp !== want?.timestamp) {
                mismatches.push(
                  `${id}|${index}: want ${JSON.stringify(want)} got ${got?.timestamp} ${JSON.stringify(got?.values)}`,
                );
              }
            }
            if (metadata[j]?.last_updated !== newest)
              mismatches.push(`${id} metadata: want ${newest} got ${metadata[j]?.last_updated}`);
          });
        }
        expect(mismatches.slice(0, 10)).toEqual([]);
        expect(checked).toBe(data.expected.size);

        const events = await readAllEvents(devices);
        const outbox = checkOutbox(events, data);
        expect(outbox.problems).toEqual([]);
        expect(outbox.duplicates).toBe(0);
        expect(outbox.notIncreasing).toBe(0);
        // most events are checked exactly (their message's index is one they applied)
        expect(outbox.exact).toBeGreaterThan(events.length / 2);
        console.info(
          `crash outbox: ${outbox.events} events, ${outbox.exact} applied readings checked exactly, ` +
            `${outbox.duplicates} duplicates, ${outbox.notIncreasing} not increasing; ${killedWithBacklog} kills with a backlog; ` +
            `run ${((performance.now() - started) / 1000).toFixed(1)} s`,
        );
      } finally {
        await devices.close();
      }
    },
  );
});
