/** startKafka's choice of backend and its topic creation. */
import { afterEach, expect, test, vi } from 'vitest';
import { KafkaBroker } from './server.js';
import { startKafka } from './start.js';
import { kafkaClient, uniqueName } from './testing.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

async function partitionCounts(brokers: string[], topics: string[]): Promise<number[]> {
  const admin = kafkaClient(brokers).admin();
  await admin.connect();
  try {
    const { topics: meta } = await admin.fetchTopicMetadata({ topics });
    return topics.map((t) => meta.find((m) => m.name === t)?.partitions.length ?? -1);
  } finally {
    await admin.disconnect();
  }
}

test('KAFKA_BROKERS selects that cluster: topics are created there and stop() deletes nothing', async () => {
  const cluster = await KafkaBroker.start();
  try {
    vi.stubEnv('KAFKA_BROKERS', ` ${cluster.brokers[0]} `);
    const [a, b] = [uniqueName('ext'), uniqueName('ext')];
    const kafka = await startKafka({ topics: [a, { topic: b, partitions: 3 }] });
    expect(kafka).toMatchObject({ kind: 'external', brokers: cluster.brokers });
    expect(kafka.broker).toBeUndefined();
    await kafka.stop();
    expect(await partitionCounts(cluster.brokers, [a, b])).toEqual([1, 3]);
    // Starting again with existing topics is fine.
    const again = await startKafka({ topics: [a] });
    await again.stop();
  } finally {
    await cluster.stop();
  }
});

test.skipIf(process.env.KAFKA_BROKERS)(
  'without KAFKA_BROKERS or Docker it starts the test broker on 127.0.0.1',
  async () => {
    const topic = uniqueName('local');
    const kafka = await startKafka({ topics: [{ topic, partitions: 2 }], container: false });
    try {
      expect(kafka.kind).toBe('test-broker');
      expect(kafka.brokers).toEqual([expect.stringMatching(/^127\.0\.0\.1:\d+$/)]);
      expect(kafka.brokers[0]).not.toBe('127.0.0.1:0');
      expect(await partitionCounts(kafka.brokers, [topic])).toEqual([2]);
    } finally {
      await kafka.stop();
    }
  },
);
