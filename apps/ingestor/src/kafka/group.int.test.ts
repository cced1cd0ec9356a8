/**
 * Two ingestors in one consumer group split the partitions; when one stops, the other takes its
 * partitions over from the committed offsets and nothing is lost.
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

let kafka: KafkaHandle;
let redis: RedisServer;
let admin: Admin;
let producer: Producer;
let servers: Servers;
const ingestors: Ingestor[] = [];

beforeAll(async () => {
  servers = await startServers();
  ({ kafka, redis, admin, producer } = servers);
});

afterAll(async () => {
  await Promise.all(ingestors.map((i) => i.stop()));
  await servers?.stop();
});

describe('consumer group', () => {
  test('two ingestors share the partitions; stopping one moves its partitions to the other with no loss', {
    timeout: 60_000,
  }, async () => {
    const partitions = 4;
    const topic = await createTopic(admin, partitions);
    const groupId = uniqueName('g');
    const prefix = `${uniqueName('grp')}:`;
    const data = generateMessages(12_000, 1_500, { seed: 11 });
    const messages = data.values.map((value, i) => ({ key: data.keys[i]!, value }));
    const env = {
      KAFKA_BOOTSTRAP_SERVERS: kafka.brokers.join(','),
      REDIS_URL: redis.url,
      KAFKA_VALIDATED_DATA_TOPIC: topic,
      KAFKA_CONSUMER_GROUP_ID: groupId,
      KEY_PREFIX: prefix,
      INGEST_BATCH_MAX_MESSAGES: '250',
    };
    const start = async () => {
      const ingestor = await startIngestor(testConfig(env), { logger: silentLogger });
      ingestors.push(ingestor);
      await ingestor.started;
      return ingestor;
    };
    const [a, b] = [await start(), await start()];
    const owned = () => [a.source.assignedPartitions, b.source.assignedPartitions];
    // After the rebalance the two own disjoint, non-empty halves covering every partition.
    await waitFor(
      () => {
        const [pa, pb] = owned();
        return pa!.length > 0 && pb!.length > 0 && [...pa!, ...pb!].sort().join() === '0,1,2,3';
      },
      20_000,
      'both members own partitions',
    );

    // Both work: the first third is consumed by the two of them.
    await producer.send({ topic, messages: messages.slice(0, 4_000) });
    await waitFor(
      async () =>
        (await committedOffsets(admin, groupId, topic)).join() === (await endOffsets(admin, topic)).join(),
      20_000,
      'first third committed',
    );
    const consumedBy = async (i: Ingestor) =>
      Number(/ingestor_messages_consumed_total (\d+)/.exec(await i.metrics.text())?.[1]);
    expect(await consumedBy(a)).toBeGreaterThan(0);
    expect(await consumedBy(b)).toBeGreaterThan(0);

    // More arrives; one member stops (gracefully) in the middle of it.
    const second = producer.send({ topic, messages: messages.slice(4_000, 8_000) });
    await a.stop();
    await second;
    await waitFor(
      () => b.source.assignedPartitions.length === partitions,
      20_000,
      'the other member owns every partition',
    );
    await producer.send({ topic, messages: messages.slice(8_000) });
    const ends = await endOffsets(admin, topic);
    expect(ends.reduce((x, y) => x + y, 0)).toBe(data.values.length);
    await waitFor(
      async () => (await committedOffsets(admin, groupId, topic)).join() === ends.join(),
      30_000,
      'everything committed by the remaining member',
    );

    const devices = createCacheClient({ transport: 'redis', url: redis.url, keyPrefix: prefix });
    try {
      const ids = [...new Set(data.keys)];
      const stored = await Promise.all(ids.map((id) => devices.getReadings(id)));
      let checked = 0;
      stored.forEach((readings, i) => {
        for (const r of readings) {
          expect(r.values, `${ids[i]} ${r.index}`).toEqual([
            data.expected.get(`${ids[i]}|${r.index}`)?.value,
          ]);
          checked++;
        }
      });
      expect(checked).toBe(data.expected.size);
    } finally {
      await devices.close();
    }
  });
});
