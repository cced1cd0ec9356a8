/**
 * Issue 11 over Kafka: poison pills of every kind between good messages in one partition. Every
 * good message's state reaches Redis, each pill has exactly one error record (with its error_code),
 * the group's offset is committed to the end, and the ingestor goes on consuming. A reading stamped
 * in the future does not freeze its device.
 */
import { createCacheClient } from '@org/cache-client';
import type { RedisTransport } from '@org/cache-client/transports';
import { createKeyScheme } from '@org/cache-core';
import type { KafkaHandle, RedisServer } from '@org/cache-testkit';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
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
import { lockedRedis } from '../../test/locked-redis.js';
import { mixedStream, TEST_MAX_MESSAGE_BYTES } from '../../test/pills.js';
import { type Ingestor, startIngestor } from '../app.js';
import { ERROR_HEADERS } from './error-producer.js';

let kafka: KafkaHandle;
let redis: RedisServer;
let client: Kafka;
let admin: Admin;
let producer: Producer;
let servers: Servers;
const running: Ingestor[] = [];
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  servers = await startServers();
  ({ kafka, redis, client, admin, producer } = servers);
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((i) => i.stop()));
  for (const c of cleanups.splice(0)) await c();
});

afterAll(async () => {
  await servers?.stop();
});

describe('poison pills in a partition', () => {
  test('the good messages are all written, each pill yields one error record with its error_code, the offset reaches the end, consuming goes on', {
    timeout: 60_000,
  }, async () => {
    const topic = await createTopic(admin, 1);
    const errorTopic = uniqueName('errors');
    const prefix = `${uniqueName('pp')}:`;
    const tag = uniqueName('dev');
    const stream = mixedStream(tag, 60);
    await producer.send({ topic, messages: stream.values.map((value, i) => ({ key: `k${i}`, value })) });

    const ingestor = await startIngestor(
      testConfig({
        KAFKA_BOOTSTRAP_SERVERS: kafka.brokers.join(','),
        REDIS_URL: redis.url,
        KAFKA_VALIDATED_DATA_TOPIC: topic,
        KAFKA_ERROR_TOPIC: errorTopic,
        KAFKA_CONSUMER_GROUP_ID: uniqueName('g'),
        KEY_PREFIX: prefix,
        INGEST_MAX_MESSAGE_BYTES: String(TEST_MAX_MESSAGE_BYTES),
        // Small chunks: pills land in several Redis writes, and in the same chunk as good messages.
        INGEST_BATCH_MAX_MESSAGES: '16',
      }),
      { logger: silentLogger },
    );
    running.push(ingestor);
    await ingestor.started;
    const groupId = ingestor.config.kafka.groupId;
    await waitFor(
      async () => (await committedOffsets(admin, groupId, topic))[0] === stream.values.length,
      20_000,
      'committed to the end',
    );

    const devices = createCacheClient({ transport: 'redis', url: redis.url, keyPrefix: prefix });
    try {
      for (const [key, value] of stream.expected) {
        const [id, index] = key.split('|') as [string, string];
        const [r] = await devices.getReadings(id, index);
        expect(r?.values, key).toEqual([value]);
      }
      // The future pill's device holds its real newest reading, not year 9999.
      const future = await devices.getDeviceMetadata(`${tag}-future`);
      expect(future?.last_updated.startsWith('2025-06-25T')).toBe(true);
      expect((await devices.listFutureDevices()).devices).toEqual([]);
    } finally {
      await devices.close();
    }

    const records = await readTopic(client, errorTopic, stream.pillAt.size);
    expect(records).toHaveLength(stream.pillAt.size);
    const byOffset = new Map(records.map((r) => [Number(r.headers[ERROR_HEADERS.offset]), r]));
    expect([...byOffset.keys()].sort((a, b) => a - b)).toEqual([...stream.pillAt.keys()]);
    for (const [offset, pill] of stream.pillAt) {
      const record = byOffset.get(offset)!;
      const message = JSON.parse(record.value!);
      expect(message, pill.name).toMatchObject({
        service: 'cache_service',
        error_code: pill.errorCode,
        error: expect.stringMatching(/\S/),
      });
      expect(record.key).toBe(`k${offset}`);
      expect(record.headers[ERROR_HEADERS.topic]).toBe(topic);
    }

    // Still consuming: one more good message arrives.
    const after = JSON.stringify({
      device_id: `${tag}-late`,
      timestamp: new Date().toISOString(),
      index: 'T',
      values: [42],
    });
    await producer.send({ topic, messages: [{ value: after }] });
    const check = createCacheClient({ transport: 'redis', url: redis.url, keyPrefix: prefix });
    try {
      await waitFor(
        async () => (await check.getReadings(`${tag}-late`, 'T'))[0]?.values[0] === 42,
        15_000,
        'the message sent after the pills',
      );
    } finally {
      await check.close();
    }
    const metrics = await ingestor.metrics.text();
    expect(metrics).toMatch(
      /ingestor_messages_invalid_total\{code="CACHE_007",reason="timestamp_in_future"\} 1/,
    );
    expect(metrics).toMatch(
      /ingestor_messages_invalid_total\{code="CACHE_008",reason="message_too_large"\} 1/,
    );
    expect(ingestor.health.report().status).toBe('healthy');
  });

  test('a device whose Redis state cannot be written (WRONGTYPE) costs one error record (write_failed) and nothing else', {
    timeout: 30_000,
  }, async () => {
    const topic = await createTopic(admin, 1);
    const errorTopic = uniqueName('errors');
    const prefix = `${uniqueName('wt')}:`;
    const raw = createCacheClient({ transport: 'redis', url: redis.url });
    await (raw.transport as RedisTransport).redis.sadd(createKeyScheme(prefix).deviceReadings('broken'), 'x');
    await raw.close();
    const at = (device: string, value: number) =>
      JSON.stringify({ device_id: device, timestamp: '2025-06-25T08:00:00', index: 'T', values: [value] });
    const values = Array.from({ length: 40 }, (_, i) => at(i === 17 ? 'broken' : `ok-${i}`, i));
    await producer.send({ topic, messages: values.map((value) => ({ value })) });
    const ingestor = await startIngestor(
      testConfig({
        KAFKA_BOOTSTRAP_SERVERS: kafka.brokers.join(','),
        REDIS_URL: redis.url,
        KAFKA_VALIDATED_DATA_TOPIC: topic,
        KAFKA_ERROR_TOPIC: errorTopic,
        KAFKA_CONSUMER_GROUP_ID: uniqueName('g'),
        KEY_PREFIX: prefix,
      }),
      { logger: silentLogger },
    );
    running.push(ingestor);
    await ingestor.started;
    await waitFor(
      async () => (await committedOffsets(admin, ingestor.config.kafka.groupId, topic))[0] === 40,
      15_000,
      'committed to the end',
    );
    const [record] = await readTopic(client, errorTopic, 1);
    expect(record?.headers[ERROR_HEADERS.offset]).toBe('17');
    expect(JSON.parse(record!.value!)).toMatchObject({
      error_code: 'write_failed',
      original_message: values[17],
    });
    const devices = createCacheClient({ transport: 'redis', url: redis.url, keyPrefix: prefix });
    try {
      for (let i = 0; i < 40; i++) {
        if (i !== 17) expect((await devices.getReadings(`ok-${i}`, 'T'))[0]?.values).toEqual([i]);
      }
    } finally {
      await devices.close();
    }
    const metrics = await ingestor.metrics.text();
    expect(metrics).toMatch(/ingestor_messages_invalid_total\{code="CACHE_010",reason="write_failed"\} 1/);
    expect(metrics).toMatch(/ingestor_isolation_writes_total [1-9]\d?\n/);
    expect(metrics).not.toMatch(/ingestor_retries_total\{dependency="redis"\} [1-9]/); // no outage retries
  });

  test.skipIf(process.env.REDIS_URL)(
    'Redis refusing the credentials stops the ingestor at once, naming the setting; nothing is committed',
    {
      timeout: 30_000,
    },
    async () => {
      const locked = await lockedRedis();
      cleanups.push(() => locked.stop());
      const topic = await createTopic(admin, 1);
      const good = JSON.stringify({
        device_id: 'd',
        timestamp: '2025-06-25T08:00:00',
        index: 'T',
        values: [1],
      });
      await producer.send({ topic, messages: [{ value: good }] });
      const fatal: Error[] = [];
      const ingestor = await startIngestor(
        testConfig({
          KAFKA_BOOTSTRAP_SERVERS: kafka.brokers.join(','),
          REDIS_URL: locked.url, // no password: NOAUTH
          KAFKA_VALIDATED_DATA_TOPIC: topic,
          KAFKA_CONSUMER_GROUP_ID: uniqueName('g'),
        }),
        { logger: silentLogger, onFatal: (e) => fatal.push(e) },
      );
      running.push(ingestor);
      await ingestor.started;
      const started = Date.now();
      await waitFor(() => fatal.length > 0, 15_000, 'a fatal error');
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(fatal[0]!.message).toMatch(/REDIS_URL/);
      expect(fatal).toHaveLength(1);
      expect(await committedOffsets(admin, ingestor.config.kafka.groupId, topic)).not.toContain(1);
      // ioredis answers NOAUTH to the first command, then fails the commands queued during its
      // reconnect with "max retries" (transient): one of those may be retried while the fatal error
      // stops the ingestor, never a retry loop.
      const retries = Number(
        (await ingestor.metrics.text()).match(/ingestor_retries_total\{dependency="redis"\} (\d+)/)?.[1] ??
          '0',
      );
      expect(retries).toBeLessThanOrEqual(1);
    },
  );
});
