import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { IngestorConfig } from '../env.js';
import type { Logger } from '../logger.js';
import type { HealthState } from '../ops/health.js';
import type { IngestorMetrics } from '../ops/metrics.js';
import { FatalIngestError } from '../pipeline/fatal-error.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import { AbortedError, type BackoffOptions, retry } from '../retry.js';
import { HeartbeatTicker } from './heartbeat.js';

export interface KafkaSourceOptions {
  kafka: Kafka;
  config: IngestorConfig['kafka'];
  /** A Kafka batch is processed (written and committed) in chunks of at most this many messages. */
  batchMaxMessages: number;
  pipeline: Pipeline;
  logger: Logger;
  metrics: IngestorMetrics;
  health: HealthState;
  retry: BackoffOptions;
  /** The consumer crashed and kafkajs will not restart it, or the pipeline met a `FatalIngestError`. */
  onFatal: (error: Error) => void;
}

/**
 * The Kafka side: a consumer group member running the pipeline on each batch. Offsets are resolved
 * and committed only after the pipeline resolved, i.e. after Redis acknowledged the readings and
 * the error topic the bad messages (at-least-once; replays are harmless, writes are latest-wins).
 *
 * While a dependency is down the batch handler waits in its retry loop (heart-beating): kafkajs
 * fetches again only once the handlers of the previous fetch returned, so fetching pauses and
 * memory stays bounded by one fetch response (`KAFKA_FETCH_MAX_BYTES`).
 */
export class KafkaSource {
  readonly consumer: Consumer;
  readonly #o: KafkaSourceOptions;
  readonly #abort = new AbortController();
  #assigned: number[] = [];
  #running = false;

  constructor(options: KafkaSourceOptions) {
    this.#o = options;
    const c = options.config;
    this.consumer = options.kafka.consumer({
      groupId: c.groupId,
      sessionTimeout: c.sessionTimeoutMs,
      heartbeatInterval: c.heartbeatIntervalMs,
      rebalanceTimeout: Math.max(60_000, c.sessionTimeoutMs),
      maxWaitTimeInMs: c.maxWaitTimeMs,
      minBytes: c.minBytes,
      maxBytes: c.maxBytes,
      maxBytesPerPartition: c.maxBytesPerPartition,
      retry: { initialRetryTime: 300, maxRetryTime: 10_000, retries: 10 },
    });
    this.#watch();
  }

  /** Connects (retrying until the brokers answer or stop() is called), joins the group and consumes. */
  async start(): Promise<void> {
    const { config, logger, health } = this.#o;
    health.set('kafka', false, 'connecting to Kafka', 'unhealthy');
    await retry(
      async () => {
        await this.consumer.connect();
        await this.consumer.subscribe({ topic: config.topic, fromBeginning: config.fromBeginning });
      },
      {
        ...this.#o.retry,
        signal: this.#abort.signal,
        onRetry: (error, failures, delayMs) =>
          logger.warn({ err: String(error), failures, retryInMs: delayMs }, 'cannot reach Kafka; retrying'),
      },
    );
    health.set('kafka', false, `joining consumer group ${config.groupId}`, 'unhealthy');
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: config.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.#eachBatch(payload),
    });
    this.#running = true;
    logger.info({ topic: config.topic, groupId: config.groupId, brokers: config.brokers }, 'consuming');
  }

  /**
   * Graceful stop: the chunk in progress is finished and committed, the rest of its batch is left
   * for the next owner, then the member leaves the group. Retries still waiting after `graceMs`
   * are abandoned (nothing more is committed).
   */
  async stop(graceMs: number): Promise<void> {
    if (!this.#running) this.#abort.abort(); // still connecting: give up at once
    const timer = setTimeout(() => this.#abort.abort(), graceMs);
    try {
      await this.consumer.disconnect();
    } finally {
      clearTimeout(timer);
      this.#abort.abort();
    }
  }

  async #eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = payload;
    const { topic, partition, messages } = batch;
    const { pipeline, metrics, batchMaxMessages } = this.#o;
    for (let i = 0; i < messages.length; i += batchMaxMessages) {
      if (!isRunning() || isStale() || this.#abort.signal.aborted) return;
      const chunk = messages.slice(i, i + batchMaxMessages);
      const ticker = new HeartbeatTicker(heartbeat, this.#o.config.heartbeatIntervalMs);
      try {
        await pipeline.process(chunk, {
          keepAlive: ticker.check,
          signal: this.#abort.signal,
          topic,
          partition,
        });
      } catch (error) {
        if (error instanceof AbortedError) return; // shutting down: not written, not committed
        if (error instanceof FatalIngestError) {
          // Credentials refused: stop every partition's work at once; nothing more is committed.
          if (!this.#abort.signal.aborted) {
            this.#abort.abort();
            this.#o.onFatal(error);
          }
          return;
        }
        throw error; // a rebalance (seen by a heartbeat): kafkajs rejoins, the next owner replays the chunk
      } finally {
        ticker.stop();
      }
      const last = chunk[chunk.length - 1]!.offset;
      resolveOffset(last);
      const next = (BigInt(last) + 1n).toString();
      await commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: next }] }] });
      metrics.commits.inc();
      metrics.lag.set(
        { topic, partition: String(partition) },
        Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(next))),
      );
      await heartbeat();
    }
  }

  #watch(): void {
    const { consumer } = this;
    const { health, logger, metrics, config } = this.#o;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const mine = payload.memberAssignment[config.topic] ?? [];
      metrics.forgetLag(
        config.topic,
        this.#assigned.filter((p) => !mine.includes(p)),
      );
      this.#assigned = [...mine].sort((a, b) => a - b);
      health.set('kafka', true, `member of ${payload.groupId}, partitions [${this.#assigned.join(',')}]`);
      logger.info(
        { groupId: payload.groupId, partitions: this.#assigned, leader: payload.isLeader },
        'joined consumer group',
      );
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      logger.error({ err: payload.error.message, restart: payload.restart }, 'Kafka consumer crashed');
      if (payload.restart)
        health.set('kafka', false, `consumer restarting after: ${payload.error.message}`, 'unhealthy');
      else this.#o.onFatal(payload.error);
    });
  }

  /** Partitions of the topic this member owns since the last rebalance. */
  get assignedPartitions(): readonly number[] {
    return this.#assigned;
  }
}
