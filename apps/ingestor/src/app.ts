import type { CacheClient } from '@org/cache-client';
import { createIngestorClient } from './cache.js';
import { checkRedisCredentials } from './credentials-check.js';
import type { IngestorConfig } from './env.js';
import { KafkaSource } from './kafka/consumer.js';
import { KafkaErrorSink } from './kafka/error-producer.js';
import { createKafka } from './kafka/kafka-client.js';
import { createLogger, type Logger } from './logger.js';
import type { Check } from './ops/health.js';
import { HealthState } from './ops/health.js';
import { type OpsServer, startOpsServer } from './ops/http-server.js';
import { IngestorMetrics } from './ops/metrics.js';
import { StaleReadingLog } from './ops/stale-log.js';
import { FatalIngestError } from './pipeline/fatal-error.js';
import { Pipeline } from './pipeline/pipeline.js';
import { retry } from './retry.js';

/** The whole shutdown (finish the chunk, commit, leave the group, close) fits in this. */
export const SHUTDOWN_BUDGET_MS = 10_000;
/** Retries of an unfinished chunk are abandoned (uncommitted) this long after a stop begins. */
const DRAIN_GRACE_MS = 6_000;
/** Closing the error producer and Redis connection after that. */
const CLOSE_TIMEOUT_MS = 1_000;

export interface Ingestor {
  readonly config: IngestorConfig;
  readonly logger: Logger;
  readonly health: HealthState;
  readonly metrics: IngestorMetrics;
  readonly client: CacheClient;
  readonly source: KafkaSource;
  readonly ops: OpsServer;
  /** Resolves once connected and consuming; rejects with AbortedError when stopped first. */
  readonly started: Promise<void>;
  /** Graceful stop; resolves once everything is closed. Idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /**
   * The ingestor cannot go on: the consumer died for good, or the credentials were refused (a
   * `FatalIngestError` naming the setting). Default: log it; main.ts exits 1 (2 for credentials).
   */
  onFatal?: (error: Error) => void;
}

/** Starts the Kafka -> Redis service: ops endpoints, error producer, consumer group member. */
export async function startIngestor(config: IngestorConfig, options: StartOptions = {}): Promise<Ingestor> {
  const logger = options.logger ?? createLogger(config.logLevel, 1, config.logFormat);
  const health = new HealthState();
  const metrics = new IngestorMetrics();
  const client = createIngestorClient(config.redis, logger, config.bounds.maxFutureSkewMs);
  const kafka = createKafka(config.kafka, logger);
  const errors = new KafkaErrorSink(kafka, config.kafka.errorTopic);
  const pipeline = new Pipeline({
    client,
    errors,
    maxMessageBytes: config.batch.maxMessageBytes,
    maxFutureSkewMs: config.bounds.maxFutureSkewMs,
    retry: config.retry,
    replicaWait: config.redisWait,
    logger,
    metrics,
    health,
    staleLog: new StaleReadingLog(logger),
  });
  let fatalReported = false;
  /** Reported once: the start-up credentials check and every partition's batch may all find it. */
  const onFatal = (error: Error) => {
    if (fatalReported) return;
    fatalReported = true;
    health.fail(
      error instanceof FatalIngestError
        ? `stopped: ${error.message}`
        : `Kafka consumer stopped: ${error.message}`,
    );
    (options.onFatal ?? ((e: Error) => logger.fatal({ err: e.message }, 'ingestor stopped')))(error);
  };
  const source = new KafkaSource({
    kafka,
    config: config.kafka,
    batchMaxMessages: config.batch.maxMessages,
    pipeline,
    logger,
    metrics,
    health,
    retry: config.retry,
    onFatal,
  });
  const ops = await startOpsServer({
    ...config.health,
    health,
    metrics,
    probe: async (): Promise<Record<string, Check>> => {
      const h = await client.checkHealth();
      const ok = h.status !== 'unhealthy';
      return { redis_ping: { ok, severity: 'degraded', message: h.message, since: h.timestamp } };
    },
  });
  logger.info({ port: ops.port }, 'health and metrics listening');

  const abort = new AbortController();
  // Not awaited: a Redis that is away must not hold up joining the group.
  void checkRedisCredentials(client).then((fatal) => {
    if (fatal && !abort.signal.aborted) onFatal(fatal);
  });
  const started = (async () => {
    await retry(() => errors.connect(), {
      ...config.retry,
      signal: abort.signal,
      onRetry: (e, failures, delayMs) =>
        logger.warn(
          { err: String(e), failures, retryInMs: delayMs },
          'cannot connect the error producer; retrying',
        ),
    });
    await source.start();
  })();
  started.catch(() => {}); // observed by the caller; stop() waits for it too

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      logger.info('stopping: finishing the current batch, committing, leaving the group');
      abort.abort();
      await source
        .stop(DRAIN_GRACE_MS)
        .catch((e: unknown) => logger.warn({ err: String(e) }, 'consumer stop failed'));
      await started.catch(() => {});
      // Bounded: with a dependency down, a polite close could wait on reconnects.
      await Promise.race([
        Promise.all([errors.disconnect().catch(() => {}), client.close().catch(() => {})]),
        new Promise((r) => setTimeout(r, CLOSE_TIMEOUT_MS).unref()),
      ]);
      await ops.close();
      logger.info('stopped');
    })();
    return stopping;
  };
  return { config, logger, health, metrics, client, source, ops, started, stop };
}
