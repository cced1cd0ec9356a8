/**
 * The service end to end, in process: the Kafka-protocol test broker over TCP, a real Redis, the
 * real kafkajs consumer and producer. Only what a user can observe is asserted: Redis state read
 * back through the client, error records on the error topic, committed offsets, health, metrics.
 */
import { createCacheClient } from '@org/cache-client';
import { fixtureLines, type KafkaHandle, type RedisServer } from '@org/cache-testkit';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  committedOffsets,
  createTopic,
  endOffsets,
  readTopic,
  type Servers,
  silentLogger,
  startServers,
  testConfig,
  uniqueName,
  waitFor,
} from '../../test/helpers.js';
import { type Ingestor, startIngestor } from '../app.js';
import { ERROR_HEADERS } from './error-producer.js';

let kafka: KafkaHandle;
let redis: RedisServer;
let client: Kafka;
let admin: Admin;
let producer: Producer;
let servers: Servers;
const running: Ingestor[] = [];

beforeAll(async () => {
  servers = await startServers();
  ({ kafka, redis, client, admin, producer } = servers);
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((i) => i.stop()));
});

afterAll(async () => {
  await servers?.stop();
});

async function ingest(env: Record<string, string>): Promise<Ingestor> {
  const ingestor = await startIngestor(
    testConfig({ KAFKA_BOOTSTRAP_SERVERS: kafka.brokers.join(','), REDIS_URL: redis.url, ...env }),
    {
      logger: silentLogger,
    },
  );
  running.push(ingestor);
  await ingestor.started;
  return ingestor;
}

describe('Kafka -> Redis', () => {
  test('the fixtures end as the expected state; bad messages each yield one error record; the good around them are all written', async () => {
    const topic = await createTopic(admin, 1);
    const errorTopic = uniqueName('errors');
    const prefix = `${uniqueName('fx')}:`;
    const good = fixtureLines('validated-output.ndjson');
    const bad = fixtureLines('bad-messages.ndjson');
    // good, bad, good, bad, ... then a tombstone and an oversized value, then the rest of the good ones.
    const values: (string | null)[] = [];
    for (let i = 0; i < bad.length; i++) values.push(good[i] ?? null, bad[i]!);
    values.push(
      null,
      JSON.stringify({ device_id: 'big', values: ['x'.repeat(3000)], timestamp: '2025-06-25T08:00:00' }),
    );
    const badOffsets = values
      .map((v, i) => (v === null || bad.includes(v) || v.includes('"big"') ? i : -1))
      .filter((i) => i >= 0);
    await producer.send({ topic, messages: values.map((value) => ({ key: 'k', value })) });

    const ingestor = await ingest({
      KAFKA_VALIDATED_DATA_TOPIC: topic,
      KAFKA_ERROR_TOPIC: errorTopic,
      KAFKA_CONSUMER_GROUP_ID: uniqueName('g'),
      KEY_PREFIX: prefix,
      INGEST_MAX_MESSAGE_BYTES: '2048',
    });
    const groupId = ingestor.config.kafka.groupId;
    await waitFor(
      async () => (await committedOffsets(admin, groupId, topic))[0] === values.length,
      15_000,
      'all committed',
    );

    const devices = createCacheClient({ transport: 'redis', url: redis.url, keyPrefix: prefix });
    try {
      const [t] = await devices.getReadings('282c02424eed', 'T');
      expect(t).toMatchObject({ values: [21.4], timestamp: '2025-06-25T08:57:34.618082Z' });
      expect(await devices.listIndexes('282c02424eed')).toEqual(['P', 'T', 'U']);
      expect(await devices.listIndexes('2207001')).toEqual(['P_int']);
      expect(await devices.listIndexes('station_123')).toEqual(['H', 'T', 'W']);
      expect(await devices.listIndexes('gw-lyon-01/port-3')).toEqual(['S']);
      expect(await devices.getDeviceMetadata('2207001')).toMatchObject({
        datatype_name: 'Pression',
        datatype_unit: 'hPa',
      });
      expect(await devices.getReadings('big')).toEqual([]);
    } finally {
      await devices.close();
    }

    const errors = await readTopic(client, errorTopic, badOffsets.length);
    expect(errors).toHaveLength(badOffsets.length);
    expect(errors.map((e) => Number(e.headers[ERROR_HEADERS.offset]))).toEqual(badOffsets);
    for (const e of errors) {
      expect(e.headers).toMatchObject({ [ERROR_HEADERS.topic]: topic, [ERROR_HEADERS.partition]: '0' });
      expect(e.key).toBe('k');
      const message = JSON.parse(e.value!);
      expect(message).toEqual({
        request_id: expect.any(String),
        timestamp: expect.any(String),
        service: 'cache_service',
        error: expect.stringMatching(/\S/),
        error_code: expect.stringMatching(/^(invalid_json|schema|tombstone|message_too_large)$/),
        original_message:
          values[Number(e.headers[ERROR_HEADERS.offset])] === null ? null : expect.any(String),
      });
    }
    const codes = errors.map((e) => e.headers[ERROR_HEADERS.code]);
    expect(codes.filter((c) => c === 'CACHE_008')).toHaveLength(1);
    expect(codes.filter((c) => c === 'CACHE_007')).toHaveLength(badOffsets.length - 1);
    expect(JSON.parse(errors.at(-2)!.value!).error).toMatch(/tombstone/);

    const metrics = await ingestor.metrics.text();
    expect(metrics).toContain(`ingestor_messages_consumed_total ${values.length}`);
    expect(metrics).toContain('ingestor_readings_written_total 8');
    expect(metrics).toContain('ingestor_readings_stale_total 1');
    expect(metrics).toContain(`ingestor_consumer_lag{topic="${topic}",partition="0"} 0`);
    const ready = await fetch(`http://127.0.0.1:${ingestor.ops.port}/health/ready`);
    expect(ready.status).toBe(200);
  });

  test('a big backlog over several partitions is written and committed to the end, in chunks', async () => {
    const topic = await createTopic(admin, 3);
    const prefix = `${uniqueName('bl')}:`;
    const messages = Array.from({ length: 3000 }, (_, i) => ({
      key: `d${i % 50}`,
      value: JSON.stringify({
        device_id: `d${i % 50}`,
        index: 'T',
        values: [i],
        timestamp: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString(),
      }),
    }));
    await producer.send({ topic, messages });
    const ingestor = await ingest({
      KAFKA_VALIDATED_DATA_TOPIC: topic,
      KAFKA_CONSUMER_GROUP_ID: uniqueName('g'),
      KEY_PREFIX: prefix,
      INGEST_BATCH_MAX_MESSAGES: '100',
    });
    const ends = await endOffsets(admin, topic);
    await waitFor(
      async () =>
        (await committedOffsets(admin, ingestor.config.kafka.groupId, topic)).join() === ends.join(),
      15_000,
      'committed to the end',
    );
    const devices = createCacheClient({ transport: 'redis', url: redis.url, keyPrefix: prefix });
    try {
      for (let d = 0; d < 50; d++) {
        const [r] = await devices.getReadings(`d${d}`, 'T');
        expect(r?.values).toEqual([2950 + d]);
      }
    } finally {
      await devices.close();
    }
    // 3000 messages in chunks of 100: at least 30 commits.
    expect(await ingestor.metrics.text()).toMatch(/ingestor_offset_commits_total (3\d|[4-9]\d|\d{3,})\b/);
  });
});
