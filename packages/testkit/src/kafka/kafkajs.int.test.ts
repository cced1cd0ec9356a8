/**
 * kafkajs against startKafka(): the in-process test broker here, or a real cluster when
 * KAFKA_BROKERS is set. Only what a kafkajs user can observe is asserted.
 */
import { spawn } from 'node:child_process';
import { type Admin, CompressionTypes, type Consumer, type Kafka, type Producer } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { type KafkaHandle, startKafka } from './start.js';
import { consumer, kafkaClient, producer, uniqueName, waitFor } from './testing.js';

interface Received {
  partition: number;
  offset: number;
  value: string;
}

let kafka: KafkaHandle;
let client: Kafka;
let admin: Admin;
let prod: Producer;
const consumers: Consumer[] = [];

beforeAll(async () => {
  kafka = await startKafka();
  client = kafkaClient(kafka.brokers);
  admin = client.admin();
  await admin.connect();
  prod = producer(client);
  await prod.connect();
});

afterEach(async () => {
  await Promise.all(consumers.splice(0).map((c) => c.disconnect()));
});

afterAll(async () => {
  await prod?.disconnect();
  await admin?.disconnect();
  await kafka?.stop();
});

async function createTopic(partitions: number): Promise<string> {
  const topic = uniqueName('kjs');
  const created = await admin.createTopics({
    topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  expect(created).toBe(true);
  return topic;
}

/** A connected consumer subscribed to topic, recording what it receives. */
async function startConsumer(groupId: string, topic: string, opts: { fromBeginning?: boolean } = {}) {
  const c = consumer(client, groupId);
  consumers.push(c);
  const received: Received[] = [];
  const state = { assigned: [] as number[], fetches: 0 };
  c.on(c.events.GROUP_JOIN, (e) => {
    state.assigned = Object.values(e.payload.memberAssignment)
      .flat()
      .sort((a, b) => a - b);
  });
  c.on(c.events.FETCH, () => state.fetches++);
  await c.connect();
  await c.subscribe({ topic, fromBeginning: opts.fromBeginning ?? true });
  await c.run({
    eachMessage: async ({ partition, message }) => {
      received.push({ partition, offset: Number(message.offset), value: message.value?.toString() ?? '' });
    },
  });
  return { consumer: c, received, state };
}

/** Sends `perPartition` messages to every partition, values `${tag}-p${partition}-${i}`. */
async function produceRound(topic: string, partitions: number, perPartition: number, tag: string) {
  const messages = [];
  for (let i = 0; i < perPartition; i++) {
    for (let p = 0; p < partitions; p++)
      messages.push({ partition: p, key: `k${p}`, value: `${tag}-p${p}-${i}` });
  }
  await prod.send({ topic, messages });
  return messages.map((m) => m.value);
}

async function committed(groupId: string, topic: string): Promise<number[]> {
  const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (result?.partitions ?? []).sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset));
}

const values = (rs: Received[]) => rs.map((r) => r.value);
const byPartition = (rs: Received[], p: number) => rs.filter((r) => r.partition === p);

describe('kafkajs', () => {
  test('produces and consumes across 3 partitions, in order per partition, for every group', async () => {
    const topic = await createTopic(3);
    const sent: string[] = [];
    for (let round = 0; round < 10; round++) sent.push(...(await produceRound(topic, 3, 3, `r${round}`)));

    const a = await startConsumer(uniqueName('g'), topic);
    const b = await startConsumer(uniqueName('g'), topic);
    await waitFor(() => a.received.length >= 90 && b.received.length >= 90, 15000, '90 messages per group');

    for (const { received } of [a, b]) {
      expect(received).toHaveLength(90);
      for (let p = 0; p < 3; p++) {
        const mine = byPartition(received, p);
        expect(values(mine)).toEqual(sent.filter((v) => v.includes(`-p${p}-`)));
        expect(mine.map((r) => r.offset)).toEqual(Array.from({ length: 30 }, (_, i) => i));
      }
    }
  });

  test('two consumers split the partitions; when one leaves the other resumes from committed offsets', async () => {
    const topic = await createTopic(3);
    const groupId = uniqueName('g');
    const all = await produceRound(topic, 3, 10, 'one');

    const a = await startConsumer(groupId, topic);
    await waitFor(() => a.received.length === 30, 15000, 'first consumer reads everything');
    await waitFor(async () => (await committed(groupId, topic)).join() === '10,10,10', 15000, 'commits');

    const b = await startConsumer(groupId, topic);
    const split = () => [...a.state.assigned, ...b.state.assigned].sort().join();
    await waitFor(() => b.state.assigned.length > 0 && split() === '0,1,2', 20000, 'partitions split');
    expect(a.state.assigned.length).toBeGreaterThan(0);

    all.push(...(await produceRound(topic, 3, 10, 'two')));
    await waitFor(() => a.received.length + b.received.length === 60, 15000, 'round two consumed');
    for (const r of b.received) expect(b.state.assigned).toContain(r.partition);
    for (const r of a.received.slice(30)) expect(a.state.assigned).toContain(r.partition);
    await waitFor(async () => (await committed(groupId, topic)).join() === '20,20,20', 15000, 'commits');

    const aPartitions = a.state.assigned;
    await a.consumer.disconnect();
    await waitFor(() => b.state.assigned.length === 3, 20000, 'takeover of all partitions');

    all.push(...(await produceRound(topic, 3, 10, 'three')));
    await waitFor(() => a.received.length + b.received.length >= 90, 15000, 'round three consumed');
    // The partitions taken over resume exactly at the committed offset 20: nothing lost or repeated.
    for (const p of aPartitions) {
      expect(byPartition(b.received, p).map((r) => r.offset)).toEqual(
        Array.from({ length: 10 }, (_, i) => 20 + i),
      );
    }
    expect(values([...a.received, ...b.received]).sort()).toEqual([...all].sort());
  });

  test('seek moves a running consumer to an offset', async () => {
    const topic = await createTopic(1);
    await prod.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `m${i}` })) });
    const c = await startConsumer(uniqueName('g'), topic, { fromBeginning: false });
    await waitFor(() => c.state.fetches > 0, 15000, 'first fetch');
    c.consumer.seek({ topic, partition: 0, offset: '6' });
    await waitFor(() => c.received.length === 4, 15000, 'messages after the seek');
    expect(values(c.received)).toEqual(['m6', 'm7', 'm8', 'm9']);
  });

  test('fromBeginning reads old messages; a new group without it only sees new ones', async () => {
    const topic = await createTopic(1);
    await prod.send({ topic, messages: [{ value: 'old-1' }, { value: 'old-2' }] });
    const early = await startConsumer(uniqueName('g'), topic, { fromBeginning: true });
    const late = await startConsumer(uniqueName('g'), topic, { fromBeginning: false });
    await waitFor(() => late.state.fetches > 0 && early.received.length === 2, 15000, 'consumers running');
    await prod.send({ topic, messages: [{ value: 'new-1' }] });
    await waitFor(() => late.received.length === 1 && early.received.length === 3, 15000, 'new message');
    expect(values(early.received)).toEqual(['old-1', 'old-2', 'new-1']);
    expect(values(late.received)).toEqual(['new-1']);
  });

  test('eachBatch with manual resolveOffset and commitOffsetsIfNecessary', async () => {
    const topic = await createTopic(1);
    const groupId = uniqueName('g');
    await prod.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `m${i}` })) });

    const first = consumer(client, groupId);
    consumers.push(first);
    await first.connect();
    await first.subscribe({ topic, fromBeginning: true });
    const handled: string[] = [];
    await first.run({
      eachBatchAutoResolve: false,
      autoCommitThreshold: 1,
      eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat }) => {
        for (const m of batch.messages) {
          if (Number(m.offset) >= 5) break; // "crash" half way: the rest stays unresolved
          handled.push(m.value?.toString() ?? '');
          resolveOffset(m.offset);
          await heartbeat();
        }
        await commitOffsetsIfNecessary();
      },
    });
    await waitFor(async () => (await committed(groupId, topic))[0] === 5, 15000, 'commit of offset 5');
    await first.disconnect();
    expect(handled.slice(0, 5)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect(await committed(groupId, topic)).toEqual([5]);

    const second = await startConsumer(groupId, topic, { fromBeginning: true });
    await waitFor(() => second.received.length === 5, 15000, 'the unresolved half');
    expect(values(second.received)).toEqual(['m5', 'm6', 'm7', 'm8', 'm9']);
  });

  test('admin: createTopics, listTopics, fetchTopicOffsets, offsets by timestamp, deleteTopics', async () => {
    const topic = uniqueName('adm');
    const spec = { topic, numPartitions: 2, replicationFactor: 1 };
    expect(await admin.createTopics({ topics: [spec], waitForLeaders: true })).toBe(true);
    expect(await admin.createTopics({ topics: [spec], waitForLeaders: true })).toBe(false); // exists
    expect(await admin.listTopics()).toContain(topic);

    const base = Date.now() - 60_000;
    await prod.send({
      topic,
      messages: Array.from({ length: 10 }, (_, i) => ({
        partition: 0,
        value: `m${i}`,
        timestamp: String(base + i * 1000),
      })),
    });
    await prod.send({ topic, messages: [{ partition: 1, value: 'x' }] });

    const offsets = (await admin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition);
    expect(offsets.map(({ partition, low, high }) => ({ partition, low, high }))).toEqual([
      { partition: 0, low: '0', high: '10' },
      { partition: 1, low: '0', high: '1' },
    ]);

    const byTime = await admin.fetchTopicOffsetsByTimestamp(topic, base + 3500);
    expect(byTime.find((o) => o.partition === 0)?.offset).toBe('4');

    await admin.deleteTopics({ topics: [topic] });
    await waitFor(async () => !(await admin.listTopics()).includes(topic), 15000, 'topic deletion');
  });

  test('gzip-compressed batches round-trip', async () => {
    const topic = await createTopic(1);
    const messages = Array.from({ length: 200 }, (_, i) => ({
      key: `k${i}`,
      value: `gzip-${i}-${'x'.repeat(i)}`,
    }));
    await prod.send({ topic, compression: CompressionTypes.GZIP, messages });
    await prod.send({ topic, compression: CompressionTypes.GZIP, messages: [{ value: 'tail' }] });
    const c = await startConsumer(uniqueName('g'), topic);
    await waitFor(() => c.received.length === 201, 15000, 'gzip messages');
    expect(values(c.received)).toEqual([...messages.map((m) => m.value), 'tail']);
    expect(c.received.map((r) => r.offset)).toEqual(Array.from({ length: 201 }, (_, i) => i));
  });

  test('a consumer that stops heartbeating is evicted and the group rebalances', async () => {
    const topic = await createTopic(3);
    const groupId = uniqueName('g');
    // The doomed member runs in a child process that we SIGKILL: no LeaveGroup, no more heartbeats.
    const child = spawn(process.execPath, ['--input-type=module', '-e', CRASHING_MEMBER], {
      cwd: import.meta.dirname,
      env: { ...process.env, BROKERS: kafka.brokers.join(','), GROUP: groupId, TOPIC: topic },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let childAssigned: number[] = [];
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      for (const line of text.split('\n').filter(Boolean)) childAssigned = JSON.parse(line) as number[];
    });
    try {
      await waitFor(() => childAssigned.length === 3, 20000, 'child member assigned');
      const b = await startConsumer(groupId, topic);
      await waitFor(() => b.state.assigned.length > 0 && childAssigned.length < 3, 20000, 'split');
      expect([...childAssigned, ...b.state.assigned].sort()).toEqual([0, 1, 2]);

      child.kill('SIGKILL');
      await waitFor(() => b.state.assigned.length === 3, 25000, 'eviction and rebalance');
      const [group] = (await admin.describeGroups([groupId])).groups;
      expect(group?.members).toHaveLength(1);

      const sent = await produceRound(topic, 3, 2, 'after-crash');
      await waitFor(() => b.received.length === 6, 15000, 'messages on every partition');
      expect(values(b.received).sort()).toEqual(sent.sort());
    } finally {
      child.kill('SIGKILL');
    }
  }, 60000);
});

const CRASHING_MEMBER = `
import { Kafka, logLevel } from 'kafkajs';
const kafka = new Kafka({ brokers: process.env.BROKERS.split(','), logLevel: logLevel.NOTHING });
const c = kafka.consumer({ groupId: process.env.GROUP, sessionTimeout: 6000, rebalanceTimeout: 10000,
  heartbeatInterval: 500, maxWaitTimeInMs: 100 });
c.on(c.events.GROUP_JOIN, (e) => {
  console.log(JSON.stringify(Object.values(e.payload.memberAssignment).flat().sort()));
});
await c.connect();
await c.subscribe({ topic: process.env.TOPIC, fromBeginning: true });
await c.run({ eachMessage: async () => {} });
`;
