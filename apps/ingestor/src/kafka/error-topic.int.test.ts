/**
 * When the error record of a bad message cannot be produced, nothing from that chunk on is
 * committed; once the error topic accepts records again, the ingestor goes on by itself.
 */
import type { KafkaHandle, RedisServer } from '@org/cache-testkit';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  committedOffsets,
  createTopic,
  readTopic,
  type Servers,
  silentLogger,
  startServers,
  testConfig,
  uniqueName,
  waitFor,
} from '../../test/helpers.js';
import { type Ingestor, startIngestor } from '../app.js';

let kafka: KafkaHandle;
let redis: RedisServer;
let client: Kafka;
let admin: Admin;
let producer: Producer;
let servers: Servers;
let ingestor: Ingestor | undefined;

beforeAll(async () => {
  // No automatic topic creation: the error topic does not exist until the test creates it.
  servers = await startServers({ kafka: { broker: { autoCreateTopics: false } } });
  ({ kafka, redis, client, admin, producer } = servers);
});

afterAll(async () => {
  await ingestor?.stop();
  await servers?.stop();
});

describe('error topic unavailable', () => {
  test.skipIf(process.env.KAFKA_BROKERS)(
    'a bad message whose error record cannot be produced is not committed; it is once the topic exists',
    { timeout: 60_000 },
    async () => {
      const topic = await createTopic(admin, 1);
      const errorTopic = uniqueName('errors');
      const good = (i: number) =>
        JSON.stringify({ device_id: `d${i}`, index: 'T', values: [i], timestamp: '2025-06-25T08:00:00' });
      await producer.send({ topic, messages: [{ value: good(1) }, { value: good(2) }] });

      ingestor = await startIngestor(
        testConfig({
          KAFKA_BOOTSTRAP_SERVERS: kafka.brokers.join(','),
          REDIS_URL: redis.url,
          KAFKA_VALIDATED_DATA_TOPIC: topic,
          KAFKA_ERROR_TOPIC: errorTopic,
          KAFKA_CONSUMER_GROUP_ID: uniqueName('g'),
          KEY_PREFIX: `${uniqueName('et')}:`,
        }),
        { logger: silentLogger },
      );
      await ingestor.started;
      const { groupId } = ingestor.config.kafka;
      const committed = async () => (await committedOffsets(admin, groupId, topic))[0];
      await waitFor(async () => (await committed()) === 2, 15_000, 'the good messages committed');

      // A bad message, then a good one, while the error topic does not exist.
      await producer.send({ topic, messages: [{ value: 'not json' }, { value: good(3) }] });
      await waitFor(
        () => ingestor!.health.get('error_topic')?.ok === false,
        15_000,
        'error topic reported failing',
      );
      await new Promise((r) => setTimeout(r, 1_500));
      expect(await committed()).toBe(2);
      const ready = await fetch(`http://127.0.0.1:${ingestor.ops.port}/health/ready`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { status: string }).status).toBe('degraded');

      await admin.createTopics({ topics: [{ topic: errorTopic, numPartitions: 1 }], waitForLeaders: true });
      await waitFor(
        async () => (await committed()) === 4,
        20_000,
        'committed after the error topic appeared',
      );
      const [record] = await readTopic(client, errorTopic, 1);
      expect(record?.headers['origin-offset']).toBe('2');
      expect(JSON.parse(record!.value!).error).toMatch(/^not JSON/);
      expect(ingestor.health.get('error_topic')?.ok).toBe(true);
    },
  );
});
