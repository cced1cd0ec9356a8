/**
 * Issue 11 through the built binary: poison pills in `--from-file`, a refused password, and the
 * replay of error records (from an error file and from the error topic), filtered by error_code.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CacheClient, createCacheClient } from '@org/cache-client';
import type { RedisTransport } from '@org/cache-client/transports';
import { createKeyScheme } from '@org/cache-core';
import { type KafkaHandle, type RedisServer, startKafka, startRedis } from '@org/cache-testkit';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startIngestor } from '../src/app.js';
import { BIN, IngestorProcess } from './child.js';
import {
  committedOffsets,
  connectedProducer,
  createTopic,
  kafkaClient,
  silentLogger,
  testConfig,
  uniqueName,
  waitFor,
} from './helpers.js';
import { lockedRedis } from './locked-redis.js';
import { mixedStream, TEST_MAX_MESSAGE_BYTES } from './pills.js';

let redis: RedisServer;
let kafka: KafkaHandle;
let client: Kafka;
let admin: Admin;
let producer: Producer;
let dir: string;

beforeAll(async () => {
  [redis, kafka] = await Promise.all([startRedis(), startKafka()]);
  client = kafkaClient(kafka.brokers);
  admin = client.admin();
  await admin.connect();
  producer = await connectedProducer(client);
  dir = mkdtempSync(join(tmpdir(), 'ingestor-integrity-'));
});

afterAll(async () => {
  await producer?.disconnect();
  await admin?.disconnect();
  await kafka?.stop();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function run(args: string[], env: Record<string, string>, stdin = '') {
  return new Promise<{ code: number | null; stdout: string; stderr: string; ms: number }>((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', RETRY_INITIAL_DELAY_MS: '50', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
    child.stdin.end(stdin);
  });
}

const ndjson = (path: string) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const reading = (device: string, timestamp: string, value: number) =>
  JSON.stringify({
    device_id: device,
    request_id: `r-${device}-${value}`,
    timestamp,
    index: 'T',
    values: [value],
  });

const soon = (ms: number) => new Date(Date.now() + ms).toISOString();

function cache(prefix: string): CacheClient {
  return createCacheClient({ transport: 'redis', url: redis.url, keyPrefix: prefix });
}

describe('--from-file with poison pills', () => {
  test('exits 0 with a correct summary; every good state is written; one error record per pill, with its error_code and line', async () => {
    const tag = uniqueName('f');
    const prefix = `${tag}:`;
    const stream = mixedStream(tag, 40);
    const errorsFile = join(dir, `${tag}.ndjson`);
    const r = await run(
      ['--from-file', '-', '--errors', errorsFile],
      { REDIS_URL: redis.url, KEY_PREFIX: prefix, INGEST_MAX_MESSAGE_BYTES: String(TEST_MAX_MESSAGE_BYTES) },
      stream.values.join('\n'),
    );
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ read: stream.values.length, invalid: stream.pillAt.size });
    expect(summary.written + summary.stale).toBe(stream.values.length - stream.pillAt.size);
    const records = ndjson(errorsFile);
    expect(records.map((e) => e.line)).toEqual([...stream.pillAt.keys()].map((i) => i + 1));
    expect(records.map((e) => e.error_code)).toEqual([...stream.pillAt.values()].map((p) => p.errorCode));
    const devices = cache(prefix);
    try {
      for (const [key, value] of stream.expected) {
        const [id, index] = key.split('|') as [string, string];
        expect((await devices.getReadings(id, index))[0]?.values, key).toEqual([value]);
      }
    } finally {
      await devices.close();
    }
  });

  test.skipIf(process.env.REDIS_URL)(
    'a refused Redis password ends the run at once: exit 2, the message names REDIS_URL',
    async () => {
      const locked = await lockedRedis();
      try {
        const r = await run(
          ['--from-file', '-'],
          { REDIS_URL: locked.url },
          reading('d', '2025-06-25T08:00:00', 1),
        );
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(/REDIS_URL/);
        expect(r.stderr).not.toMatch(/retrying/);
        expect(r.ms).toBeLessThan(10_000);
      } finally {
        await locked.stop();
      }
    },
  );
});

describe('--replay-errors --from-file', () => {
  test('replays only the chosen error codes, after the cause is fixed; truncated records are counted, not replayed; a second replay changes nothing', async () => {
    const tag = uniqueName('rf');
    const prefix = `${tag}:`;
    const env = {
      REDIS_URL: redis.url,
      KEY_PREFIX: prefix,
      INGEST_MAX_MESSAGE_BYTES: String(TEST_MAX_MESSAGE_BYTES),
    };
    // A device whose readings key is not a string: Redis refuses its writes (WRONGTYPE) until fixed.
    const blocked = `${tag}-blocked`;
    const raw = (createCacheClient({ transport: 'redis', url: redis.url }).transport as RedisTransport).redis;
    const blockedKey = createKeyScheme(prefix).deviceReadings(blocked);
    await raw.sadd(blockedKey, 'not a readings record');
    const input = [
      reading(`${tag}-ok`, '2025-06-25T08:00:00', 1),
      reading(`${tag}-early`, soon(3_600_000), 2), // an hour ahead: a clock ahead of ours
      reading(blocked, '2025-06-25T08:00:00', 3),
      'not json',
      reading(`${tag}-large`, '2025-06-25T08:00:00', 4).replace(
        '"values":[4]',
        `"values":["${'z'.repeat(TEST_MAX_MESSAGE_BYTES)}"]`,
      ),
    ];
    const errorsFile = join(dir, `${tag}.ndjson`);
    const first = await run(['--from-file', '-', '--errors', errorsFile], env, input.join('\n'));
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ read: 5, written: 1, stale: 0, invalid: 4 });
    // Rejected before Redis first, then what Redis refused (found by splitting the batch).
    expect(ndjson(errorsFile).map((e) => [e.line, e.error_code])).toEqual([
      [2, 'timestamp_in_future'],
      [4, 'invalid_json'],
      [5, 'message_too_large'],
      [3, 'write_failed'],
    ]);

    // The operator fixes the causes: a larger skew allowed, the blocking key removed.
    await raw.del(blockedKey);
    await raw.quit();
    const again = join(dir, `${tag}-again.ndjson`);
    const args = ['--replay-errors', '--from-file', errorsFile, '--errors', again];
    const codes = [
      '--error-code',
      'timestamp_in_future',
      '--error-code',
      'write_failed',
      '--error-code',
      'message_too_large',
    ];
    const replay = await run([...args, ...codes], { ...env, MAX_FUTURE_SKEW: '7200' });
    expect(replay.code, replay.stderr).toBe(0);
    expect(JSON.parse(replay.stdout)).toEqual({
      records: 4,
      selected: 3,
      replayed: 2,
      written: 2,
      stale: 0,
      invalid: 0,
      truncated: 1,
      tombstones: 0,
      unreadable: 0,
      foreign: 0,
    });
    expect(replay.stderr).toMatch(/truncated cannot be replayed/);
    const devices = cache(prefix);
    const state = () =>
      Promise.all([
        devices.getReadings(`${tag}-early`),
        devices.getReadings(blocked),
        devices.getReadings(`${tag}-ok`),
      ]);
    try {
      expect((await devices.getReadings(`${tag}-early`, 'T'))[0]?.values).toEqual([2]);
      expect((await devices.getReadings(blocked, 'T'))[0]?.values).toEqual([3]);
      expect(await devices.getReadings(`${tag}-large`)).toEqual([]);
      // Idempotent: the same replay again leaves the same state (a tie on the timestamp rewrites it as it was).
      const before = await state();
      const twice = await run([...args, ...codes], { ...env, MAX_FUTURE_SKEW: '7200' });
      expect(JSON.parse(twice.stdout)).toMatchObject({ replayed: 2, invalid: 0 });
      expect(await state()).toEqual(before);
    } finally {
      await devices.close();
    }
  });

  test('bad usage: an unknown code, or --error-code without --replay-errors, is refused with exit 2', async () => {
    const unknown = await run(['--replay-errors', '--from-file', '-', '--error-code', 'nope'], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown --error-code "nope"; known: .*timestamp_in_future/);
    expect((await run(['--from-file', '-', '--error-code', 'schema'], {})).code).toBe(2);
  });
});

describe('--replay-errors from the error topic', () => {
  test('reads the error topic to its end, replays the chosen records into Redis, exits 0; the service group is untouched', {
    timeout: 60_000,
  }, async () => {
    const tag = uniqueName('rt');
    const prefix = `${tag}:`;
    const topic = await createTopic(admin, 2);
    const errorTopic = await createTopic(admin, 2, 'errors');
    const messages = [
      reading(`${tag}-a`, '2025-06-25T08:00:00', 1),
      reading(`${tag}-b`, soon(3_600_000), 2),
      'not json',
      reading(`${tag}-c`, soon(3_600_000), 3),
      JSON.stringify({ device_id: '', values: [] }),
    ];
    await producer.send({ topic, messages: messages.map((value, i) => ({ key: `k${i}`, value })) });
    const env = {
      KAFKA_BOOTSTRAP_SERVERS: kafka.brokers.join(','),
      REDIS_URL: redis.url,
      KEY_PREFIX: prefix,
      KAFKA_VALIDATED_DATA_TOPIC: topic,
      KAFKA_ERROR_TOPIC: errorTopic,
      KAFKA_CONSUMER_GROUP_ID: uniqueName('g'),
    };
    const service = await startIngestor(testConfig(env), { logger: silentLogger });
    try {
      await service.started;
      await waitFor(
        async () =>
          (await committedOffsets(admin, env.KAFKA_CONSUMER_GROUP_ID, topic)).reduce(
            (a, b) => a + Math.max(0, b),
            0,
          ) === 5,
        15_000,
        'the service committed every message',
      );
    } finally {
      await service.stop();
    }
    const before = await committedOffsets(admin, env.KAFKA_CONSUMER_GROUP_ID, topic);
    // The error topic is shared: another service's record is left alone.
    const foreign = {
      service: 'validator',
      error: 'x',
      error_code: 'timestamp_in_future',
      original_message: reading(`${tag}-foreign`, soon(3_600_000), 9),
    };
    await producer.send({ topic: errorTopic, messages: [{ value: JSON.stringify(foreign) }] });

    const r = await run(['--replay-errors', '--error-code', 'timestamp_in_future'], {
      ...env,
      MAX_FUTURE_SKEW: '7200',
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      KAFKA_HEARTBEAT_INTERVAL_MS: '500',
      KAFKA_CONSUMER_POLL_TIMEOUT_S: '0.1',
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      records: 5,
      selected: 2,
      replayed: 2,
      written: 2,
      stale: 0,
      invalid: 0,
      truncated: 0,
      tombstones: 0,
      unreadable: 0,
      foreign: 1,
    });
    const devices = cache(prefix);
    try {
      expect((await devices.getReadings(`${tag}-b`, 'T'))[0]?.values).toEqual([2]);
      expect((await devices.getReadings(`${tag}-c`, 'T'))[0]?.values).toEqual([3]);
      expect(await devices.getReadings(`${tag}-foreign`)).toEqual([]);
    } finally {
      await devices.close();
    }
    expect(await committedOffsets(admin, env.KAFKA_CONSUMER_GROUP_ID, topic)).toEqual(before);

    // An empty error topic: nothing to do, exit 0 at once.
    const empty = await createTopic(admin, 1, 'errors');
    const none = await run(['--replay-errors'], { ...env, KAFKA_ERROR_TOPIC: empty });
    expect(none.code, none.stderr).toBe(0);
    expect(JSON.parse(none.stdout)).toMatchObject({ records: 0, replayed: 0 });
  });
});

describe('the service', () => {
  test.skipIf(process.env.REDIS_URL)(
    'Redis refusing the password: exits 2 within seconds of the start, naming REDIS_URL, nothing committed',
    { timeout: 40_000 },
    async () => {
      const locked = await lockedRedis();
      const topic = await createTopic(admin, 1);
      const groupId = uniqueName('fatal');
      await producer.send({ topic, messages: [{ value: reading('d', '2025-06-25T08:00:00', 1) }] });
      const started = Date.now();
      const child = new IngestorProcess({
        KAFKA_BOOTSTRAP_SERVERS: kafka.brokers.join(','),
        REDIS_URL: locked.url,
        KAFKA_VALIDATED_DATA_TOPIC: topic,
        KAFKA_CONSUMER_GROUP_ID: groupId,
      });
      try {
        expect((await child.exited).code).toBe(2);
        expect(Date.now() - started).toBeLessThan(10_000);
        const fatal = child.logs.find((l) => l.level === 'fatal');
        expect(fatal?.msg).toMatch(/^stopping: Redis refused the credentials.*REDIS_URL/);
        expect(child.logs.some((l) => l.msg === 'redis write failed; retrying')).toBe(false);
        expect((await committedOffsets(admin, groupId, topic))[0] ?? -1).toBeLessThan(1);
      } finally {
        child.kill('SIGKILL');
        await locked.stop();
      }
    },
  );
});
