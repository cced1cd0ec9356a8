import { randomBytes } from 'node:crypto';
import type { Consumer, EachBatchPayload } from 'kafkajs';
import type { IngestorConfig } from '../env.js';
import { KafkaErrorSink } from '../kafka/error-producer.js';
import { createKafka } from '../kafka/kafka-client.js';
import { createLogger } from '../logger.js';
import { runOneShot } from '../one-shot.js';
import type { Pipeline, SourceMessage } from '../pipeline/pipeline.js';
import { AbortedError } from '../retry.js';
import { type ReplaySummary, ReplayTally, selectRecord } from './error-records.js';
import { reportUnreplayable } from './replay-file.js';

/**
 * `--replay-errors` (Kafka): reads `KAFKA_ERROR_TOPIC` from the beginning up to the high watermarks
 * seen at the start, and runs the original message of each selected record through the pipeline
 * into the cache. It uses a consumer group of its own (`<KAFKA_CONSUMER_GROUP_ID>.replay.<id>`)
 * and commits nothing, so the service's group is untouched and a replay can be run again at will.
 * Messages still bad go to the error topic again, as new records (after the watermark: they are
 * not read again by this run).
 */
export async function replayErrorTopic(
  config: IngestorConfig,
  options: { codes: ReadonlySet<string> | null; apiUrl?: string },
): Promise<number> {
  const logger = createLogger(config.logLevel, 2, config.logFormat);
  const kafka = createKafka(config.kafka, logger);
  const sink = new KafkaErrorSink(kafka, config.kafka.errorTopic);
  return runOneShot(
    config,
    { apiUrl: options.apiUrl, done: 'error records replayed', failed: 'error replay failed', logger },
    sink,
    async ({ pipeline, signal }) => {
      const admin = kafka.admin();
      await admin.connect();
      let ends: Map<number, bigint>;
      try {
        const offsets = await admin.fetchTopicOffsets(config.kafka.errorTopic);
        ends = new Map(
          offsets.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]),
        );
      } finally {
        await admin.disconnect();
      }
      const tally = new ReplayTally();
      if (ends.size > 0) {
        await sink.connect();
        try {
          await readToWatermarks(config, kafka.consumer(consumerConfig(config)), ends, pipeline, {
            codes: options.codes,
            tally,
            signal,
          });
        } finally {
          await sink.disconnect().catch(() => {});
        }
      }
      reportUnreplayable(tally, logger);
      return tally.summary satisfies ReplaySummary;
    },
  );
}

function consumerConfig(config: IngestorConfig) {
  const c = config.kafka;
  return {
    groupId: `${c.groupId}.replay.${Date.now().toString(36)}${randomBytes(3).toString('hex')}`,
    sessionTimeout: c.sessionTimeoutMs,
    heartbeatInterval: c.heartbeatIntervalMs,
    maxWaitTimeInMs: c.maxWaitTimeMs,
    minBytes: c.minBytes,
    maxBytes: c.maxBytes,
    maxBytesPerPartition: c.maxBytesPerPartition,
  };
}

/** Consumes every partition in `ends` up to its end offset, replaying the selected records. */
async function readToWatermarks(
  config: IngestorConfig,
  consumer: Consumer,
  ends: Map<number, bigint>,
  pipeline: Pipeline,
  options: { codes: ReadonlySet<string> | null; tally: ReplayTally; signal: AbortSignal },
): Promise<void> {
  const topic = config.kafka.errorTopic;
  const { tally, codes, signal } = options;
  const pending = new Map(ends);
  let settle!: (error?: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => {
    settle = (error?: unknown) => (error === undefined ? resolve() : reject(error));
  });
  let failed = false;
  const onAbort = () => settle(new AbortedError());
  signal.addEventListener('abort', onAbort, { once: true });

  const eachBatch = async ({ batch, heartbeat }: EachBatchPayload) => {
    const end = pending.get(batch.partition);
    if (end === undefined) return;
    const ctx = { topic, partition: batch.partition, keepAlive: heartbeat, signal };
    let chunk: SourceMessage[] = [];
    for (const m of batch.messages) {
      if (BigInt(m.offset) >= end) break;
      const where = () => `${topic}/${batch.partition}@${m.offset}`;
      const original = tally.count(selectRecord(m.value, codes), where);
      if (original !== null) chunk.push({ value: original, key: m.key, offset: m.offset });
      if (chunk.length >= config.batch.maxMessages) {
        tally.add(await pipeline.process(chunk, ctx));
        chunk = [];
      }
    }
    if (chunk.length > 0) tally.add(await pipeline.process(chunk, ctx));
    if (BigInt(batch.lastOffset()) >= end - 1n) {
      pending.delete(batch.partition);
      if (pending.size === 0) settle();
    }
  };

  // A consumer kafkajs gives up on ends the run (it would otherwise wait for ever).
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) settle(payload.error);
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: config.kafka.partitionsConsumedConcurrently,
      eachBatch: async (payload) => {
        if (failed || signal.aborted) return;
        try {
          await eachBatch(payload);
        } catch (error) {
          failed = true; // fatal, or the cache stayed away: the run ends (nothing is committed anyway)
          settle(error);
        }
      },
    });
    await finished;
  } finally {
    signal.removeEventListener('abort', onAbort);
    await consumer.disconnect().catch(() => {});
  }
}
