/**
 * Redis stopped for 5 s while messages flow: the ingestor waits (retrying with backoff, not
 * fetching, reporting degraded), resumes by itself, never commits what it did not write, and the
 * final state is complete.
 */
import { createCacheClient } from '@org/cache-client';
import type { KafkaHandle, RedisServer } from '@org/cache-testkit';
import type { Admin, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateMessages } from '../../test/data.js';
import {
  committedOffsets,
  createTopic,
  endOffsets,
  type Servers,
  silentLogger,
  startServers,
  testConfig,
  uniqueName,
  waitFor,
} from '../../test/helpers.js';
import { type Ingestor, startIngestor } from '../app.js';
import { createLogger } from '../logger.js';

let kafka: KafkaHandle;
let redis: RedisServer;
let admin: Admin;
let producer: Producer;
let servers: Servers;
let ingestor: Ingestor | undefined;

beforeAll(async () => {
  // A short session (below Kafka's usual 6 s minimum) so that a 5 s wait without heartbeats would cost the membership.
  servers = await startServers({
    kafka: { broker: { minSessionTimeoutMs: 1000 } },
    redis: { args: ['--appendonly', 'yes'] },
  });
  ({ kafka, redis, admin, producer } = servers);
});

afterAll(async () => {
  await ingestor?.stop();
  await servers?.stop();
});

const readyStatus = async (port: number) => {
  const res = await fetch(`http://127.0.0.1:${port}/health/ready`);
  return { code: res.status, status: ((await res.json()) as { status: string }).status };
};

describe('Redis outage', () => {
  test.skipIf(process.env.REDIS_URL)(
    'waits, resumes by itself and ends complete',
    { timeout: 60_000 },
    async () => {
      const topic = await createTopic(admin, 2);
      const prefix = `${uniqueName('out')}:`;
      const data = generateMessages(20_000, 2_000, { seed: 7 });
      const messages = data.values.map((value, i) => ({ key: data.keys[i]!, value }));
      const send = (from: number, to: number) => producer.send({ topic, messages: messages.slice(from, to) });
      await send(0, 5_000);

      ingestor = await startIngestor(
        testConfig({
          KAFKA_BOOTSTRAP_SERVERS: kafka.brokers.join(','),
          REDIS_URL: redis.url,
          KAFKA_VALIDATED_DATA_TOPIC: topic,
          KAFKA_CONSUMER_GROUP_ID: uniqueName('g'),
          KEY_PREFIX: prefix,
          INGEST_BATCH_MAX_MESSAGES: '500',
          RETRY_INITIAL_DELAY_MS: '100',
          RETRY_MAX_DELAY_MS: '1000',
          ...(kafka.kind === 'test-broker' ? { KAFKA_SESSION_TIMEOUT_MS: '3000' } : {}),
        }),
        { logger: process.env.DEBUG_LOG ? createLogger('info', 2) : silentLogger },
      );
      await ingestor.started;
      const { groupId } = ingestor.config.kafka;
      const port = ingestor.ops.port;
      const committedTotal = async () =>
        (await committedOffsets(admin, groupId, topic)).reduce((a, b) => a + Math.max(0, b), 0);
      await waitFor(async () => (await committedTotal()) === 5_000, 15_000, 'first 5000 committed');
      expect(await readyStatus(port)).toEqual({ code: 200, status: 'healthy' });

      let fetches = 0;
      let rejoins = 0;
      const { consumer } = ingestor.source;
      consumer.on(consumer.events.FETCH, () => fetches++);
      consumer.on(consumer.events.GROUP_JOIN, () => rejoins++);

      // Redis goes away; messages keep arriving.
      await redis.process!.stop();
      await send(5_000, 12_000);
      await waitFor(async () => (await readyStatus(port)).status === 'degraded', 5_000, 'health degraded');
      const committedDuringOutage = await committedTotal();
      const fetchesAtOutage = fetches;
      await new Promise((r) => setTimeout(r, 5_000));
      // Nothing unwritten was committed, and the consumer did not fetch on while its batch waits.
      expect(await committedTotal()).toBe(committedDuringOutage);
      expect(committedDuringOutage).toBeLessThan(12_000);
      expect(fetches - fetchesAtOutage).toBeLessThanOrEqual(1);
      expect(await readyStatus(port)).toEqual({ code: 503, status: 'degraded' });
      expect(await ingestor.metrics.text()).toMatch(/ingestor_dependency_down\{dependency="redis"\} 1/);

      // Redis is back (its AOF kept what was written before): the ingestor resumes by itself.
      await redis.process!.start();
      await send(12_000, 20_000);
      const ends = await endOffsets(admin, topic);
      await waitFor(
        async () => (await committedOffsets(admin, groupId, topic)).join() === ends.join(),
        30_000,
        'everything committed after the outage',
      );
      await waitFor(async () => (await readyStatus(port)).status === 'healthy', 5_000, 'healthy again');

      const devices = createCacheClient({ transport: 'redis', url: redis.url, keyPrefix: prefix });
      try {
        const ids = [...new Set(data.keys)];
        const stored = await Promise.all(ids.map((id) => devices.getReadings(id)));
        let checked = 0;
        stored.forEach((readings, i) => {
          for (const r of readings) {
            const want = data.expected.get(`${ids[i]}|${r.index}`);
            expect(r.values, `${ids[i]} ${r.index}`).toEqual([want?.value]);
            checked++;
          }
        });
        expect(checked).toBe(data.expected.size);
      } finally {
        await devices.close();
      }
      expect(await ingestor.metrics.text()).toMatch(/ingestor_retries_total\{dependency="redis"\} [1-9]/);
      // Heartbeats kept flowing while the batch waited longer than the session timeout: no rejoin.
      expect(rejoins).toBe(0);
    },
  );
});
