import type { CacheClient } from '@org/cache-client';
import { ErrorCode, isCacheError, type Reading, type UpsertResult } from '@org/cache-core';
import type { Logger } from '../logger.js';
import type { HealthState } from '../ops/health.js';
import type { IngestorMetrics } from '../ops/metrics.js';
import { type BackoffOptions, retry } from '../retry.js';
import { type DecodeFailure, decodeMessage } from './decode.js';
import { buildErrorMessage, type ErrorRecord } from './error-message.js';

/**
 * One message from any source. Kafka messages are passed as kafkajs delivers them (no per-message
 * copy on the hot path); their topic and partition come with the batch context.
 */
export interface SourceMessage {
  value: Buffer | string | null;
  /** Kafka: the message key (kept as the error record's key) and offset. */
  key?: Buffer | string | null;
  offset?: string;
  /** File mode: the input line number. */
  line?: number;
}

/** Where rejected messages go: the Kafka error topic, or an NDJSON stream in file mode. */
export interface ErrorSink {
  /** Resolves once every record is stored (acknowledged by Kafka, written to the file). */
  send(records: readonly ErrorRecord[]): Promise<void>;
}

export interface BatchResult {
  /** Messages in the batch. */
  read: number;
  /** Readings that became the latest state of their device and index. */
  written: number;
  /** Readings skipped: a newer one was in the batch or already in Redis. */
  stale: number;
  /** Messages sent to the error sink. */
  invalid: number;
}

export interface BatchContext {
  /** Kafka: where the messages come from, for the error records' origin. */
  topic?: string;
  partition?: number;
  /** Called while retries wait (Kafka heartbeats). */
  keepAlive?: () => Promise<void>;
  /** Aborts retries (shutdown): the batch then rejects and must not be committed. */
  signal?: AbortSignal;
}

export interface PipelineOptions {
  client: CacheClient;
  errors: ErrorSink;
  maxMessageBytes: number;
  retry: BackoffOptions & { giveUpAfterMs?: number };
  logger: Logger;
  metrics?: IngestorMetrics;
  health?: HealthState;
}

/** Deterministic rejections by the client: retrying cannot help, the reading goes to the error sink. */
const isRejection = (error: unknown) =>
  isCacheError(error) && (error.code === ErrorCode.INVALID_KEY || error.code === ErrorCode.INVALID_INPUT);

/**
 * decode -> validate -> map to readings -> `client.upsertReadings` (which coalesces per device and
 * index with core's `coalesceReadings`, once, and lets the newest timestamp win in Redis) and
 * bad messages -> error sink. Both outputs are retried until they succeed, so when `process`
 * resolves every message of the batch is accounted for and its offset may be committed.
 * Nothing here knows about Kafka.
 */
export class Pipeline {
  readonly #o: PipelineOptions;

  constructor(options: PipelineOptions) {
    this.#o = options;
  }

  async process(messages: readonly SourceMessage[], ctx: BatchContext = {}): Promise<BatchResult> {
    const started = performance.now();
    const readings: Reading[] = [];
    const rejected: ErrorRecord[] = [];
    for (const m of messages) {
      const decoded = decodeMessage(m.value, this.#o.maxMessageBytes);
      if (decoded.ok) readings.push(decoded.reading);
      else rejected.push(this.#record(decoded.failure, m, ctx));
    }
    const [upsert] = await Promise.all([
      this.#write(readings, ctx),
      rejected.length > 0 ? this.#report(rejected, ctx) : undefined,
    ]);
    // Readings the client refused one by one (never seen so far: the schema is stricter).
    const refused = upsert.refused;
    if (refused.length > 0) await this.#report(refused, ctx);
    const result = {
      read: messages.length,
      written: upsert.written,
      stale: upsert.stale,
      invalid: rejected.length + refused.length,
    };
    const m = this.#o.metrics;
    if (m) {
      m.consumed.inc(result.read);
      m.written.inc(result.written);
      m.stale.inc(result.stale);
      m.batchSize.observe(result.read);
      m.batchSeconds.observe((performance.now() - started) / 1000);
      for (const r of [...rejected, ...refused]) m.invalid.inc({ code: r.code });
    }
    return result;
  }

  #record(failure: DecodeFailure, m: SourceMessage, ctx: BatchContext): ErrorRecord {
    const origin =
      ctx.topic !== undefined && m.offset !== undefined
        ? { topic: ctx.topic, partition: ctx.partition ?? 0, offset: m.offset, key: m.key }
        : undefined;
    return {
      code: failure.code,
      origin,
      line: m.line,
      message: buildErrorMessage({
        requestId: failure.requestId,
        reason: failure.reason,
        original: failure.raw,
        originalBytes: failure.rawBytes,
      }),
    };
  }

  async #write(
    readings: Reading[],
    ctx: BatchContext,
  ): Promise<{ written: number; stale: number; refused: ErrorRecord[] }> {
    if (readings.length === 0) return { written: 0, stale: 0, refused: [] };
    try {
      const r = await this.#retrying('redis', () => this.#upsert(readings), ctx);
      return { written: r.written, stale: r.stale, refused: [] };
    } catch (error) {
      if (!isRejection(error)) throw error;
      return this.#writeOneByOne(readings, ctx);
    }
  }

  /** The client refused the batch for one bad reading: find it (them) and write the others. */
  async #writeOneByOne(readings: Reading[], ctx: BatchContext) {
    let written = 0;
    let stale = 0;
    const refused: ErrorRecord[] = [];
    for (const reading of readings) {
      try {
        const r = await this.#retrying('redis', () => this.#upsert([reading]), ctx);
        written += r.written;
        stale += r.stale;
      } catch (error) {
        if (!isRejection(error)) throw error;
        refused.push({
          code: (error as { code: ErrorCode }).code,
          message: buildErrorMessage({
            requestId: reading.request_id,
            reason: `rejected by the cache: ${(error as Error).message}`,
            original: JSON.stringify(reading),
            originalBytes: 0,
          }),
        });
      }
    }
    return { written, stale, refused };
  }

  async #upsert(readings: Reading[]): Promise<UpsertResult> {
    const started = performance.now();
    const result = await this.#o.client.upsertReadings(readings);
    this.#o.metrics?.redisSeconds.observe((performance.now() - started) / 1000);
    return result;
  }

  async #report(records: readonly ErrorRecord[], ctx: BatchContext): Promise<void> {
    await this.#retrying('error_topic', () => this.#o.errors.send(records), ctx);
    const log = this.#o.logger;
    if (log.isLevelEnabled('warn')) {
      log.warn(
        {
          invalid: records.length,
          examples: records
            .slice(0, 3)
            .map((r) => ({ ...r.origin, key: undefined, code: r.code, reason: r.message.error })),
        },
        'invalid messages sent to the error output',
      );
    }
  }

  #retrying<T>(dependency: 'redis' | 'error_topic', op: () => Promise<T>, ctx: BatchContext): Promise<T> {
    const { logger, health, metrics } = this.#o;
    // Any success means the dependency is back, even when the retry loop that saw it fail was left
    // (a rebalance, a shutdown) and this is a new batch's first attempt.
    const recovered = () => {
      if (health?.get(dependency)?.ok !== false) return;
      health.set(dependency, true, `${dependency} writes succeed`);
      metrics?.degraded.set({ dependency }, 0);
      logger.info({ dependency }, `${dependency} is back; resuming`);
    };
    return retry(
      async () => {
        const result = await op();
        recovered();
        return result;
      },
      {
        ...this.#o.retry,
        signal: ctx.signal,
        keepAlive: ctx.keepAlive,
        keepAliveMs: 250,
        isRetriable: (error) => !isRejection(error),
        onRetry: (error, failures, delayMs) => {
          const message = error instanceof Error ? error.message : String(error);
          if (failures === 1) {
            health?.set(dependency, false, `${dependency} writes are failing: ${message}`);
            metrics?.degraded.set({ dependency }, 1);
          }
          metrics?.retries.inc({ dependency });
          logger.warn(
            {
              dependency,
              failures,
              retryInMs: delayMs,
              code: isCacheError(error) ? error.code : undefined,
              err: message,
            },
            `${dependency} write failed; retrying`,
          );
        },
      },
    );
  }
}
