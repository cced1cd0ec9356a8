/** Shared helpers of the ingestor's integration tests (real broker over TCP, real Redis). */
import {
  type KafkaHandle,
  type RedisServer,
  type StartKafkaOptions,
  type StartRedisOptions,
  startKafka,
  startRedis,
} from '@org/cache-testkit';
import { type Admin, Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import pino from 'pino';
import { type IngestorConfig, loadConfig } from '../src/env.js';

export const silentLogger = pino({ level: 'silent' });

/** Env for tests: short Kafka timeouts so rebalances take seconds, a free ops port, quick retries. */
export function testEnv(env: Record<string, string>): Record<string, string> {
  return {
    HEALTH_PORT: '0',
    HEALTH_HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    KAFKA_HEARTBEAT_INTERVAL_MS: '500',
    KAFKA_CONSUMER_POLL_TIMEOUT_S: '0.1',
    RETRY_INITIAL_DELAY_MS: '50',
    RETRY_MAX_DELAY_MS: '500',
    ...env,
  };
}

export function testConfig(env: Record<string, string>): IngestorConfig {
  return loadConfig(testEnv(env));
}

export function kafkaClient(brokers: string[]): Kafka {
  return new Kafka({
    brokers,
    clientId: 'ingestor-tests',
    logLevel: logLevel.NOTHING,
    retry: { retries: 5 },
  });
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

export async function createTopic(admin: Admin, partitions: number, prefix = 'validated'): Promise<string> {
  const topic = uniqueName(prefix);
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  return topic;
}

export async function connectedProducer(kafka: Kafka): Promise<Producer> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  return producer;
}

/** The servers and Kafka clients of one integration test file. */
export interface Servers {
  kafka: KafkaHandle;
  redis: RedisServer;
  client: Kafka;
  admin: Admin;
  producer: Producer;
  stop(): Promise<void>;
}

/** Starts a broker and a Redis, then a connected admin and producer on the broker. */
export async function startServers(
  options: { kafka?: StartKafkaOptions; redis?: StartRedisOptions } = {},
): Promise<Servers> {
  const [kafka, redis] = await Promise.all([startKafka(options.kafka), startRedis(options.redis)]);
  const client = kafkaClient(kafka.brokers);
  const admin = client.admin();
  await admin.connect();
  const producer = await connectedProducer(client);
  return {
    kafka,
    redis,
    client,
    admin,
    producer,
    stop: async () => {
      await producer.disconnect();
      await admin.disconnect();
      await kafka.stop();
      await redis.stop();
    },
  };
}

export interface TopicRecord {
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  partition: number;
  offset: number;
}

/** Reads a topic from the beginning with a throw-away group until `count` records arrived. */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  count: number,
  timeoutMs = 15_000,
): Promise<TopicRecord[]> {
  const consumer = kafka.consumer({
    groupId: uniqueName('reader'),
    maxWaitTimeInMs: 100,
    sessionTimeout: 6000,
  });
  const out: TopicRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
        out.push({
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? null,
          headers,
          partition,
          offset: Number(message.offset),
        });
      },
    });
    await waitFor(() => out.length >= count, timeoutMs, `${count} records on ${topic} (got ${out.length})`);
    return out;
  } finally {
    await consumer.disconnect();
  }
}

/** Committed offsets of a group for a topic, by partition. */
export async function committedOffsets(admin: Admin, groupId: string, topic: string): Promise<number[]> {
  const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (result?.partitions ?? []).sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset));
}

export async function endOffsets(admin: Admin, topic: string): Promise<number[]> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.sort((a, b) => a.partition - b.partition).map((p) => Number(p.high));
}

/** Polls until fn returns a truthy value; throws after timeoutMs. */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
