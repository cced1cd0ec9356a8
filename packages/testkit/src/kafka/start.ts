/**
 * startKafka: a real cluster from KAFKA_BROKERS, else a testcontainers Kafka when a Docker engine
 * answers, else the in-process test broker. The same tests run against all three.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaBroker, type KafkaBrokerOptions, type TopicConfig } from './server.js';

export interface StartKafkaOptions {
  /** Topics to create up front (names get 1 partition). */
  topics?: TopicConfig[];
  /** Options for the in-process test broker; ignored for a real cluster or a container. */
  broker?: Omit<KafkaBrokerOptions, 'topics'>;
  /** Try a testcontainers Kafka when a Docker engine answers (default true). */
  container?: boolean;
}

export interface KafkaHandle {
  /** Bootstrap servers, e.g. `['127.0.0.1:39123']`. */
  brokers: string[];
  kind: 'external' | 'container' | 'test-broker';
  /** The in-process broker when kind is 'test-broker'. */
  broker?: KafkaBroker;
  /** Stops what startKafka started; for an external cluster it does nothing (no topic is deleted). */
  stop(): Promise<void>;
}

export async function startKafka(options: StartKafkaOptions = {}): Promise<KafkaHandle> {
  const topics = options.topics ?? [];
  const external = process.env.KAFKA_BROKERS?.trim();
  if (external) {
    const brokers = external.split(',').map((b) => b.trim());
    await createTopics(brokers, topics);
    return { brokers, kind: 'external', stop: async () => {} };
  }
  if (options.container !== false && (await dockerAnswers())) {
    return startContainer(topics);
  }
  const broker = await KafkaBroker.start({ ...options.broker, topics });
  return { brokers: broker.brokers, kind: 'test-broker', broker, stop: () => broker.stop() };
}

async function createTopics(brokers: string[], topics: TopicConfig[]): Promise<void> {
  if (topics.length === 0) return;
  const admin = new Kafka({ brokers, clientId: 'cache-testkit', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: topics.map((t) => {
        const spec = typeof t === 'string' ? { topic: t } : t;
        return { topic: spec.topic, numPartitions: spec.partitions ?? 1, replicationFactor: 1 };
      }),
    });
  } finally {
    await admin.disconnect();
  }
}

// Module names in variables keep the bundler from inlining these optional dev dependencies.
const TESTCONTAINERS = 'testcontainers';
const TESTCONTAINERS_KAFKA = '@testcontainers/kafka';

async function dockerAnswers(): Promise<boolean> {
  const hint =
    process.env.DOCKER_HOST ||
    existsSync('/var/run/docker.sock') ||
    existsSync(join(homedir(), '.docker', 'run', 'docker.sock')) ||
    existsSync(join(homedir(), '.testcontainers.properties'));
  if (!hint) return false;
  try {
    const tc = (await import(TESTCONTAINERS)) as typeof import('testcontainers');
    await tc.getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

async function startContainer(topics: TopicConfig[]): Promise<KafkaHandle> {
  const { KafkaContainer } = (await import(TESTCONTAINERS_KAFKA)) as typeof import('@testcontainers/kafka');
  const image = process.env.KAFKA_IMAGE ?? 'confluentinc/cp-kafka:7.9.0';
  const container = await new KafkaContainer(image).withKraft().start();
  const brokers = [`${container.getHost()}:${container.getMappedPort(9093)}`];
  try {
    await createTopics(brokers, topics);
  } catch (e) {
    await container.stop();
    throw e;
  }
  return { brokers, kind: 'container', stop: async () => void (await container.stop()) };
}
