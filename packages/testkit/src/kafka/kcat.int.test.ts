/**
 * librdkafka agrees with the broker: kcat (librdkafka's CLI) lists, produces, consumes with CRC
 * checks and runs a group consumer. Skipped, with a message, when kcat is not on PATH.
 */
import { spawn, spawnSync } from 'node:child_process';
import { type Admin, CompressionTypes, type Kafka, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type KafkaHandle, startKafka } from './start.js';
import { consumer, kafkaClient, producer, uniqueName, waitFor } from './testing.js';

const hasKcat = spawnSync('kcat', ['-V'], { stdio: 'ignore' }).status === 0;
if (!hasKcat) console.warn('kcat is not on PATH: skipping the librdkafka (kcat) tests');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let kafka: KafkaHandle;
let client: Kafka;
let admin: Admin;
let prod: Producer;

function kcat(args: string[], input?: string, timeoutMs = 20000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', ['-b', kafka.brokers.join(','), ...args], { stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kcat ${args.join(' ')} timed out\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

async function createTopic(partitions: number): Promise<string> {
  const topic = uniqueName('kcat');
  await admin.createTopics({
    topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  return topic;
}

const lines = (s: string) => s.split('\n').filter(Boolean);

describe.skipIf(!hasKcat)('kcat (librdkafka)', () => {
  beforeAll(async () => {
    kafka = await startKafka();
    client = kafkaClient(kafka.brokers);
    admin = client.admin();
    await admin.connect();
    prod = producer(client);
    await prod.connect();
  });

  afterAll(async () => {
    await prod?.disconnect();
    await admin?.disconnect();
    await kafka?.stop();
  });

  test('kcat -L lists the broker and the topic with its partitions', async () => {
    const topic = await createTopic(3);
    const text = await kcat(['-L']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^ \d+ brokers:$/m);
    expect(text.stdout).toContain(`topic "${topic}" with 3 partitions:`);

    const json = await kcat(['-L', '-J', '-t', topic]);
    const meta = JSON.parse(json.stdout) as {
      brokers: { id: number; name: string }[];
      topics: { topic: string; partitions: { partition: number; leader: number }[] }[];
    };
    expect(meta.brokers.length).toBeGreaterThan(0);
    expect(meta.topics.map((t) => t.topic)).toEqual([topic]);
    expect(meta.topics[0]?.partitions.map((p) => p.partition).sort()).toEqual([0, 1, 2]);
    const brokerIds = meta.brokers.map((b) => b.id);
    for (const p of meta.topics[0]?.partitions ?? []) expect(brokerIds).toContain(p.leader);
  });

  test('kcat -C -e with check.crcs reads what kafkajs wrote, plain and gzip, on every partition', async () => {
    const topic = await createTopic(3);
    const expected: string[] = [];
    for (const compression of [CompressionTypes.None, CompressionTypes.GZIP, CompressionTypes.None]) {
      const messages = [0, 1, 2].flatMap((partition) =>
        [0, 1].map((i) => ({ partition, key: `k${partition}`, value: `c${compression}-p${partition}-${i}` })),
      );
      await prod.send({ topic, compression, messages });
    }
    for (let p = 0; p < 3; p++) {
      for (let o = 0; o < 6; o++) {
        const round = Math.floor(o / 2);
        const compression = [CompressionTypes.None, CompressionTypes.GZIP, CompressionTypes.None][round];
        expected.push(`${p}|${o}|k${p}|c${compression}-p${p}-${o % 2}`);
      }
    }
    const run = await kcat([
      '-C',
      '-t',
      topic,
      '-o',
      'beginning',
      '-e',
      '-X',
      'check.crcs=true',
      '-f',
      '%p|%o|%k|%s\\n',
    ]);
    expect(run.stderr).not.toMatch(/crc|corrupt|error/i);
    expect(run.code).toBe(0);
    expect(lines(run.stdout).sort()).toEqual(expected.sort());
  });

  test('kcat -P produces (plain and gzip) what kafkajs and kcat -C read back', async () => {
    const topic = await createTopic(2);
    const plain = await kcat(['-P', '-t', topic, '-p', '0', '-K', ':'], 'a:1\nb:2\nc:3\n');
    expect(plain.code).toBe(0);
    const gzip = await kcat(['-P', '-t', topic, '-p', '1', '-K', ':', '-z', 'gzip'], 'd:4\ne:5\n');
    expect(gzip.code).toBe(0);

    const back = await kcat([
      '-C',
      '-t',
      topic,
      '-o',
      'beginning',
      '-e',
      '-X',
      'check.crcs=true',
      '-f',
      '%p %o %k=%s\\n',
    ]);
    expect(lines(back.stdout).sort()).toEqual(['0 0 a=1', '0 1 b=2', '0 2 c=3', '1 0 d=4', '1 1 e=5']);

    const c = consumer(client, uniqueName('g'));
    const seen: string[] = [];
    await c.connect();
    await c.subscribe({ topic, fromBeginning: true });
    await c.run({
      eachMessage: async ({ partition, message }) => {
        seen.push(`${partition} ${message.offset} ${message.key?.toString()}=${message.value?.toString()}`);
      },
    });
    try {
      await waitFor(() => seen.length === 5, 15000, 'kafkajs reading kcat messages');
    } finally {
      await c.disconnect();
    }
    expect(seen.sort()).toEqual(['0 0 a=1', '0 1 b=2', '0 2 c=3', '1 0 d=4', '1 1 e=5']);
  });

  test('kcat -G consumes as a group, commits, and resumes from the committed offsets', async () => {
    const topic = await createTopic(3);
    const groupId = uniqueName('kcat-group');
    await prod.send({
      topic,
      messages: [0, 1, 2].flatMap((partition) =>
        [0, 1, 2].map((i) => ({ partition, value: `first-${partition}-${i}` })),
      ),
    });
    // (-o beginning would force the start offset in -G mode; auto.offset.reset only applies without a commit)
    const args = ['-G', groupId, '-X', 'auto.offset.reset=earliest', '-e', '-f', '%p %o %s\\n', topic];
    const first = await kcat(args);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/assigned:/);
    expect(lines(first.stdout)).toHaveLength(9);
    expect(lines(first.stdout).sort()).toEqual(
      [0, 1, 2].flatMap((p) => [0, 1, 2].map((i) => `${p} ${i} first-${p}-${i}`)).sort(),
    );

    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(offsets?.partitions.map((p) => p.offset)).toEqual(['3', '3', '3']);

    await prod.send({ topic, messages: [{ partition: 2, value: 'second' }] });
    const second = await kcat(args);
    expect(second.code).toBe(0);
    expect(lines(second.stdout)).toEqual(['2 3 second']);
  });

  test('kcat -Q finds the offset for a timestamp', async () => {
    const topic = await createTopic(1);
    const base = Date.now() - 60_000;
    await prod.send({
      topic,
      messages: Array.from({ length: 5 }, (_, i) => ({ value: `m${i}`, timestamp: String(base + i * 1000) })),
    });
    const run = await kcat(['-Q', '-t', `${topic}:0:${base + 2500}`]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${topic} [0] offset 3`);
  });
});
