/**
 * `pnpm bench`: end-to-end throughput. Messages are produced beforehand to the test broker; then
 * (1) the built `cache-ingestor` binary consumes them into a real Redis, and (2) the seed's
 * per-message way does (await HSET + await EXPIRE per message, commit per batch). Both are timed
 * from joining the group to the last offset committed. Sizes: BENCH_MESSAGES (default 200000),
 * BENCH_BASELINE_MESSAGES (default 30000), BENCH_ROUNDS (default 3, alternating, medians reported);
 * ingestor tuning env passes through (KAFKA_FETCH_*, …). With BENCH_BASELINE_BIN (another build's
 * dist/main.js) the comparison is this build against that one instead of the per-message way.
 * Without it, every round also runs the binary with the outbox off (`OUTBOX_ENABLED=false`, in
 * alternating order with the default, outbox on) and the ratio outbox on / off is reported
 * (target: at least 0.8); each run's outbox is checked (events when on, none when off).
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { createCacheClient } from '@org/cache-client';
import type { RedisTransport } from '@org/cache-client/transports';
import { startKafka, startRedis } from '@org/cache-testkit';
import { expect, test } from 'vitest';
import { IngestorProcess } from '../test/child.js';
import { generateMessages } from '../test/data.js';
import {
  committedOffsets,
  connectedProducer,
  createTopic,
  kafkaClient,
  uniqueName,
} from '../test/helpers.js';
import { runPerMessage } from './per-message.js';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 200_000);
const BASELINE_MESSAGES = Number(process.env.BENCH_BASELINE_MESSAGES ?? 30_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/**
 * Another build of the binary (e.g. the previous commit's, built in a git worktree): when set, each
 * round runs it right after the current one over the same messages, and the ratio is reported.
 */
const BASELINE_BIN = process.env.BENCH_BASELINE_BIN;
const PARTITIONS = 4;

/** CPU time (user + system) a process used so far, from /proc (Linux); null elsewhere. */
function cpuMs(pid: number | undefined): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks of 10 ms
  } catch {
    return null;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rate = (n: number, ms: number) => Math.round((n * 1000) / ms);
const fmt = (n: number) => n.toLocaleString('en-US');

test('end-to-end throughput: batched ingestor vs per-message writes', async () => {
  const [kafka, redis] = await Promise.all([startKafka(), startRedis()]);
  const client = kafkaClient(kafka.brokers);
  const admin = client.admin();
  await admin.connect();
  const producer = await connectedProducer(client);
  const cache = createCacheClient({ transport: 'redis', url: redis.url });
  try {
    const produce = async (count: number, devices: number) => {
      const topic = await createTopic(admin, PARTITIONS, 'bench');
      const data = generateMessages(count, devices, { seed: 1, perRawMessage: 4 });
      for (let i = 0; i < count; i += 10_000) {
        await producer.send({
          topic,
          messages: data.values.slice(i, i + 10_000).map((value, j) => ({ key: data.keys[i + j]!, value })),
        });
      }
      return { topic, data };
    };
    /** Polls the committed offsets until they sum to `count`; returns when that was first seen. */
    const committedAll = async (groupId: string, topic: string, count: number) => {
      for (;;) {
        const offsets = await committedOffsets(admin, groupId, topic);
        if (offsets.reduce((a, b) => a + Math.max(0, b), 0) >= count) return performance.now();
        await new Promise((r) => setTimeout(r, 10));
      }
    };

    /** Runs `instances` ingestor processes in one group over `topic`; ms from the first join to all committed. */
    const runIngestors = async (
      instances: number,
      topic: string,
      prefix: string,
      bin?: string,
      extraEnv: Record<string, string> = {},
    ) => {
      const groupId = uniqueName('bench');
      const children = Array.from(
        { length: instances },
        () =>
          new IngestorProcess(
            {
              KAFKA_BOOTSTRAP_SERVERS: kafka.brokers.join(','),
              REDIS_URL: redis.url,
              KAFKA_VALIDATED_DATA_TOPIC: topic,
              KAFKA_CONSUMER_GROUP_ID: groupId,
              KEY_PREFIX: prefix,
              KAFKA_SESSION_TIMEOUT_MS: '30000',
              KAFKA_HEARTBEAT_INTERVAL_MS: '3000',
              ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}),
              ...extraEnv,
              ...(Object.fromEntries(
                Object.entries(process.env).filter(([k]) =>
                  /^(KAFKA_FETCH_|KAFKA_PARTITIONS_|INGEST_)/.test(k),
                ),
              ) as Record<string, string>),
            },
            [],
            bin,
          ),
      );
      try {
        const joined = await Promise.race(
          children.map((c) => c.waitForLog((l) => l.msg === 'joined consumer group', 30_000)),
        );
        const joinedAt = performance.now() - (Date.now() - Date.parse(String(joined.time)));
        const doneAt = await committedAll(groupId, topic, MESSAGES);
        const cpu = children.map((c) => cpuMs(c.child.pid));
        return {
          ms: doneAt - joinedAt,
          cpuMs: cpu.includes(null) ? null : (cpu as number[]).reduce((a, b) => a + b, 0),
        };
      } finally {
        for (const c of children) c.kill('SIGTERM');
        await Promise.all(children.map((c) => c.exited));
      }
    };

    /** The seed's way over `topic` with a new group; ms from the join to all committed. */
    const runSeedWay = async (topic: string) => {
      const groupId = uniqueName('bench-seed');
      const redisConnection = (cache.transport as RedisTransport).redis;
      const seed = await runPerMessage(client, redisConnection, topic, groupId, 86_400);
      try {
        return (await committedAll(groupId, topic, BASELINE_MESSAGES)) - seed.joinedAt();
      } finally {
        await seed.consumer.disconnect();
      }
    };

    // Both topics are produced once; every round reads one from the beginning with a new group
    // (and, for the ingestor, a new key prefix, so each round writes fresh keys). Rounds
    // alternate so that load from elsewhere on the machine hits both ways alike.
    const ours = await produce(MESSAGES, Math.max(100, MESSAGES / 10));
    const base = BASELINE_BIN
      ? null
      : await produce(BASELINE_MESSAGES, Math.max(100, BASELINE_MESSAGES / 10));
    const oursRuns: { ms: number; cpuMs: number | null }[] = [];
    const baseRuns: number[] = [];
    const otherRuns: { ms: number; cpuMs: number | null }[] = [];
    /** Outbox off (OUTBOX_ENABLED=false), alternating with the default runs (outbox on). */
    const offRuns: { ms: number; cpuMs: number | null }[] = [];
    const outboxOff = () => (!BASELINE_BIN ? { OUTBOX_ENABLED: 'false' } : null);
    for (let round = 0; round < ROUNDS; round++) {
      const off = outboxOff();
      if (off && round % 2 === 1)
        offRuns.push(await runIngestors(1, ours.topic, `off${round}:`, undefined, off));
      // With a baseline build, the order alternates too, so neither build always runs first.
      if (BASELINE_BIN && round % 2 === 1)
        otherRuns.push(await runIngestors(1, ours.topic, `base${round}:`, BASELINE_BIN));
      oursRuns.push(await runIngestors(1, ours.topic, `bench${round}:`));
      if (BASELINE_BIN && round % 2 === 0)
        otherRuns.push(await runIngestors(1, ours.topic, `base${round}:`, BASELINE_BIN));
      if (off && round % 2 === 0)
        offRuns.push(await runIngestors(1, ours.topic, `off${round}:`, undefined, off));
      if (base) baseRuns.push(await runSeedWay(base.topic));
    }

    // The setting was honoured: the outbox-on run wrote events, the outbox-off run none.
    const eventsUnder = async (keyPrefix: string) => {
      const c = createCacheClient({ transport: 'redis', url: redis.url, keyPrefix });
      try {
        return (await c.readEvents({ since: null, limit: 10 })).events.length;
      } finally {
        await c.close();
      }
    };
    if (offRuns.length > 0) {
      expect(await eventsUnder(`bench${ROUNDS - 1}:`)).toBeGreaterThan(0);
      expect(await eventsUnder(`off${ROUNDS - 1}:`)).toBe(0);
      const on = oursRuns.map((r) => rate(MESSAGES, r.ms));
      const offRates = offRuns.map((r) => rate(MESSAGES, r.ms));
      const perRound = on.map((n, i) => n / offRates[i]!);
      console.log(
        [
          '',
          `outbox on vs off, ${fmt(MESSAGES)} messages per round, ${ROUNDS} alternating rounds:`,
          `  outbox on:  ${on.map(fmt).join(', ')} msg/s -> median ${fmt(median(on))} msg/s`,
          `  outbox off: ${offRates.map(fmt).join(', ')} msg/s -> median ${fmt(median(offRates))} msg/s`,
          `  per-round ratios (on/off): ${perRound.map((r) => r.toFixed(3)).join(', ')}; median ${median(perRound).toFixed(3)} (target >= 0.8)`,
          '',
        ].join('\n'),
      );
    }

    // The state is right (spot check of 1,000 device/index pairs of the last round).
    const devices = createCacheClient({
      transport: 'redis',
      url: redis.url,
      keyPrefix: `bench${ROUNDS - 1}:`,
    });
    const sample = [...ours.data.expected.entries()].filter(
      (_, i) => i % Math.ceil(ours.data.expected.size / 1000) === 0,
    );
    for (const [key, want] of sample) {
      const [id, index] = key.split('|') as [string, string];
      expect((await devices.getReadings(id, index))[0]?.values).toEqual([want.value]);
    }
    await devices.close();

    if (BASELINE_BIN) {
      const now = oursRuns.map((r) => rate(MESSAGES, r.ms));
      const then = otherRuns.map((r) => rate(MESSAGES, r.ms));
      const perRound = now.map((n, i) => n / then[i]!);
      const cpuNow = oursRuns.map((r) => r.cpuMs ?? Number.NaN);
      const cpuThen = otherRuns.map((r) => r.cpuMs ?? Number.NaN);
      console.log(
        [
          '',
          `this build vs ${BASELINE_BIN}, ${fmt(MESSAGES)} messages per round, ${ROUNDS} alternating rounds:`,
          `  this build: ${now.map(fmt).join(', ')} msg/s -> median ${fmt(median(now))} msg/s`,
          `  baseline:   ${then.map(fmt).join(', ')} msg/s -> median ${fmt(median(then))} msg/s`,
          `  per-round ratios (this/baseline): ${perRound.map((r) => r.toFixed(3)).join(', ')}`,
          `  ratio of medians: ${(median(now) / median(then)).toFixed(3)}; median of per-round ratios: ${median(perRound).toFixed(3)}`,
          `  CPU µs/message (start-up included): this build ${cpuNow.map((c) => ((c * 1000) / MESSAGES).toFixed(1)).join(', ')}`,
          `                                      baseline   ${cpuThen.map((c) => ((c * 1000) / MESSAGES).toFixed(1)).join(', ')}`,
          `  CPU ratio (this/baseline, medians): ${(median(cpuNow) / median(cpuThen)).toFixed(3)}; per round: ${cpuNow.map((c, i) => (c / cpuThen[i]!).toFixed(3)).join(', ')}`,
          `(machine: ${availableParallelism()} cores, load average ${loadavg()[0]!.toFixed(1)} at the end)`,
          '',
        ].join('\n'),
      );
      return;
    }

    const oursRates = oursRuns.map((r) => rate(MESSAGES, r.ms));
    const baseRates = baseRuns.map((ms) => rate(BASELINE_MESSAGES, ms));
    const oursRate = median(oursRates);
    const baseRate = median(baseRates);
    const ratio = oursRate / baseRate;
    const cpus = oursRuns.map((r) => r.cpuMs).filter((c): c is number => c !== null);
    const cpu =
      cpus.length === 0
        ? ''
        : `; ingestor CPU ${((median(cpus) * 1000) / MESSAGES).toFixed(1)} µs/message, start-up included`;
    const lines = [
      '',
      `cache-ingestor (built binary, batched Lua writes, commit per chunk), ${fmt(MESSAGES)} messages per round:`,
      `  ${oursRates.map(fmt).join(', ')} msg/s -> median ${fmt(oursRate)} msg/s${cpu}`,
      `per-message way (await HSET + await EXPIRE each, commit per batch), ${fmt(BASELINE_MESSAGES)} messages per round:`,
      `  ${baseRates.map(fmt).join(', ')} msg/s -> median ${fmt(baseRate)} msg/s`,
      `ratio of medians: ${ratio.toFixed(1)}x   targets: >= 50,000 msg/s ${oursRate >= 50_000 ? 'met' : 'MISSED'}, >= 10x ${ratio >= 10 ? 'met' : 'MISSED'}`,
      `(machine: ${availableParallelism()} cores, load average ${loadavg()[0]!.toFixed(1)} at the end)`,
      '',
    ];
    console.log(lines.join('\n'));
  } finally {
    await cache.close();
    await producer.disconnect();
    await admin.disconnect();
    await kafka.stop();
    await redis.stop();
  }
});
