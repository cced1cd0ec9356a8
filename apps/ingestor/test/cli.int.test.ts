/** The `cache-ingestor` binary as a user runs it: configuration errors, file replay, graceful shutdown. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCacheClient } from '@org/cache-client';
import {
  fixtureLines,
  fixturePath,
  freePort,
  type KafkaHandle,
  type RedisServer,
  startKafka,
  startRedis,
} from '@org/cache-testkit';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BIN, IngestorProcess } from './child.js';
import { generateMessages } from './data.js';
import {
  committedOffsets,
  connectedProducer,
  createTopic,
  endOffsets,
  kafkaClient,
  uniqueName,
  waitFor,
} from './helpers.js';

let redis: RedisServer;
let kafka: KafkaHandle;
let client: Kafka;
let admin: Admin;
let producer: Producer;
let dir: string;

beforeAll(async () => {
  [redis, kafka] = await Promise.all([startRedis({ args: ['--appendonly', 'yes'] }), startKafka()]);
  client = kafkaClient(kafka.brokers);
  admin = client.admin();
  await admin.connect();
  producer = await connectedProducer(client);
  dir = mkdtempSync(join(tmpdir(), 'ingestor-cli-'));
});

afterAll(async () => {
  await producer?.disconnect();
  await admin?.disconnect();
  await kafka?.stop();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the binary to completion. */
function run(args: string[], env: Record<string, string>, stdin?: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

describe('configuration', () => {
  test('a wrong value stops the process at start with exit code 2 and one message naming every bad variable', async () => {
    const r = await run([], {
      REDIS_PORT: 'sixty',
      KAFKA_AUTO_OFFSET_RESET: 'newest',
      HEALTH_PORT: '-1',
      LOG_LEVEL: 'chatty',
    });
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    for (const name of ['REDIS_PORT', 'KAFKA_AUTO_OFFSET_RESET', 'HEALTH_PORT', 'LOG_LEVEL'])
      expect(lines[0]).toContain(name);
  });

  test('an unknown option is a usage error (exit 2)', async () => {
    const r = await run(['--frm-file', 'x'], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage');
  });
});

describe('--from-file', () => {
  test('replays the fixtures into Redis, prints the summary and exits 0', async () => {
    const prefix = `${uniqueName('file')}:`;
    const r = await run(['--from-file', fixturePath('validated-output.ndjson')], {
      REDIS_URL: redis.url,
      KEY_PREFIX: prefix,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ read: 9, written: 8, stale: 1, invalid: 0 });
    const devices = createCacheClient({ transport: 'redis', url: redis.url, keyPrefix: prefix });
    try {
      expect((await devices.getReadings('282c02424eed', 'T'))[0]?.values).toEqual([21.4]);
      expect((await devices.listDevices()).devices.map((d) => d.device_id).sort()).toEqual([
        '2207001',
        '282c02424eed',
        'gw-lyon-01/port-3',
        'station_123',
      ]);
    } finally {
      await devices.close();
    }
  });

  test('reads stdin with "-"; bad lines go to --errors as NDJSON error messages with their line numbers', async () => {
    const prefix = `${uniqueName('stdin')}:`;
    const good = fixtureLines('validated-output.ndjson');
    const bad = fixtureLines('bad-messages.ndjson');
    const input = [...good.slice(0, 3), '', ...bad, ...good.slice(3)].join('\n');
    const errorsFile = join(dir, 'errors.ndjson');
    const r = await run(
      ['--from-file', '-', '--errors', errorsFile],
      { REDIS_URL: redis.url, KEY_PREFIX: prefix },
      input,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ read: 18, written: 8, stale: 1, invalid: 9 });
    const errors = readFileSync(errorsFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(errors.map((e) => e.line)).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13]);
    for (const e of errors) {
      expect(e).toMatchObject({
        service: 'cache_service',
        error: expect.any(String),
        original_message: expect.any(String),
      });
    }
  });

  test('without --errors, bad lines are reported on stderr; stdout only has the summary', async () => {
    const r = await run(['--from-file', fixturePath('bad-messages.ndjson')], {
      REDIS_URL: redis.url,
      LOG_LEVEL: 'silent',
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ read: 9, written: 0, stale: 0, invalid: 9 });
    const reported = r.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(reported).toHaveLength(9);
    expect(reported[0]).toMatchObject({
      service: 'cache_service',
      error: expect.stringMatching(/^not JSON/),
      line: 1,
    });
  });
});

describe('service', () => {
  test('SIGTERM: finishes the batch, commits, leaves the group and exits 0 within 10 s', {
    timeout: 40_000,
  }, async () => {
    const topic = await createTopic(admin, 2);
    const groupId = uniqueName('term');
    const data = generateMessages(20_000, 2_000, { seed: 5 });
    await producer.send({ topic, messages: data.values.map((value, i) => ({ key: data.keys[i]!, value })) });
    const child = new IngestorProcess({
      KAFKA_BOOTSTRAP_SERVERS: kafka.brokers.join(','),
      REDIS_URL: redis.url,
      KAFKA_VALIDATED_DATA_TOPIC: topic,
      KAFKA_CONSUMER_GROUP_ID: groupId,
      KEY_PREFIX: `${groupId}:`,
      INGEST_BATCH_MAX_MESSAGES: '200',
    });
    await child.waitForLog((l) => l.msg === 'joined consumer group');
    await waitFor(
      async () => (await committedOffsets(admin, groupId, topic)).some((o) => o > 0),
      10_000,
      'first commit',
    );
    const started = Date.now();
    child.kill('SIGTERM');
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(child.logs.map((l) => l.msg)).toContain('stopped');
    // Whatever was committed was written: a new instance finishes the rest, and the state is complete.
    const next = new IngestorProcess({
      KAFKA_BOOTSTRAP_SERVERS: kafka.brokers.join(','),
      REDIS_URL: redis.url,
      KAFKA_VALIDATED_DATA_TOPIC: topic,
      KAFKA_CONSUMER_GROUP_ID: groupId,
      KEY_PREFIX: `${groupId}:`,
    });
    const ends = await endOffsets(admin, topic);
    await waitFor(
      async () => (await committedOffsets(admin, groupId, topic)).join() === ends.join(),
      20_000,
      'all committed',
    );
    next.kill('SIGTERM');
    expect((await next.exited).code).toBe(0);
    const devices = createCacheClient({ transport: 'redis', url: redis.url, keyPrefix: `${groupId}:` });
    try {
      const ids = [...new Set(data.keys)];
      const stored = await Promise.all(ids.map((id) => devices.getReadings(id)));
      expect(stored.reduce((n, r) => n + r.length, 0)).toBe(data.expected.size);
    } finally {
      await devices.close();
    }
  });

  test.skipIf(process.env.REDIS_URL)(
    'SIGTERM while Redis is down: gives up the unwritten batch, commits nothing more, exits within 10 s',
    { timeout: 40_000 },
    async () => {
      const topic = await createTopic(admin, 1);
      const groupId = uniqueName('term-down');
      const child = new IngestorProcess({
        KAFKA_BOOTSTRAP_SERVERS: kafka.brokers.join(','),
        REDIS_URL: redis.url,
        KAFKA_VALIDATED_DATA_TOPIC: topic,
        KAFKA_CONSUMER_GROUP_ID: groupId,
        KEY_PREFIX: `${groupId}:`,
      });
      await child.waitForLog((l) => l.msg === 'joined consumer group');
      const first = generateMessages(100, 10, { seed: 1 });
      await producer.send({ topic, messages: first.values.map((value) => ({ value })) });
      await waitFor(
        async () => (await committedOffsets(admin, groupId, topic))[0] === 100,
        10_000,
        'first batch committed',
      );
      await redis.process!.stop();
      try {
        await producer.send({ topic, messages: first.values.map((value) => ({ value })) });
        await child.waitForLog((l) => l.msg === 'redis write failed; retrying', 10_000);
        const started = Date.now();
        child.kill('SIGTERM');
        expect(await child.exited).toEqual({ code: 0, signal: null });
        expect(Date.now() - started).toBeLessThan(10_000);
        expect((await committedOffsets(admin, groupId, topic))[0]).toBe(100);
      } finally {
        await redis.process!.start();
      }
    },
  );
});

describe('start-up', () => {
  test('SIGTERM while Kafka is still unreachable stops at once with exit code 0', {
    timeout: 30_000,
  }, async () => {
    const closedPort = await freePort();
    const child = new IngestorProcess({
      KAFKA_BOOTSTRAP_SERVERS: `127.0.0.1:${closedPort}`,
      REDIS_URL: redis.url,
    });
    await child.waitForLog((l) => l.msg === 'health and metrics listening');
    await new Promise((r) => setTimeout(r, 1_000)); // kafkajs is retrying its connection by now
    const started = Date.now();
    child.kill('SIGTERM');
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('ops endpoints of the binary', () => {
  test('serves /health/live, /health/ready and /metrics on HEALTH_PORT', { timeout: 30_000 }, async () => {
    const topic = await createTopic(admin, 1);
    const child = new IngestorProcess({
      KAFKA_BOOTSTRAP_SERVERS: kafka.brokers.join(','),
      REDIS_URL: redis.url,
      KAFKA_VALIDATED_DATA_TOPIC: topic,
      KAFKA_CONSUMER_GROUP_ID: uniqueName('ops'),
    });
    try {
      const { port } = (await child.waitForLog(
        (l) => l.msg === 'health and metrics listening',
      )) as unknown as { port: number };
      await child.waitForLog((l) => l.msg === 'joined consumer group');
      const get = (path: string) => fetch(`http://127.0.0.1:${port}${path}`);
      expect((await get('/health/live')).status).toBe(200);
      await waitFor(async () => (await get('/health/ready')).status === 200, 10_000, 'ready');
      const metrics = await (await get('/metrics')).text();
      expect(metrics).toContain('ingestor_messages_consumed_total');
      expect(metrics).toContain('process_cpu_seconds_total');
    } finally {
      child.kill('SIGTERM');
      await child.exited;
    }
  });
});
