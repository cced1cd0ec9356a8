import type { CacheClient } from '@org/cache-client';
import { type Reading, readingBoundsChecker } from '@org/cache-core';
import type { Logger } from '../logger.js';
import type { HealthState } from '../ops/health.js';
import type { IngestorMetrics } from '../ops/metrics.js';
import type { StaleReadingLog } from '../ops/stale-log.js';
import type { BackoffOptions } from '../retry.js';
import { type ChunkTrace, traceChunk } from '../tracing/chunk-trace.js';
import { messageCorrelationId } from './correlation.js';
import { type DecodeFailure, type DecodeLimits, decodeMessage, recordRequestId } from './decode.js';
import { DependencyRetry } from './dependency-retry.js';
import { buildErrorMessage, type ErrorRecord } from './error-message.js';
import type { WriteTarget } from './fatal-error.js';
import { IsolatingWriter, type Refusal } from './isolating-writer.js';
import { ReplicaWait, type ReplicaWaitSettings } from './replica-wait.js';

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
  /** Kafka headers (a producer's `traceparent` is read from them while tracing is on). */
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
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
  /** Larger message values are rejected unread. */
  maxMessageBytes: number;
  /** Readings stamped further ahead of this process's clock are rejected (`timestamp_in_future`). */
  maxFutureSkewMs: number;
  retry: BackoffOptions & { giveUpAfterMs?: number };
  logger: Logger;
  /** Redis (default) or the cache REST API: names the setting when the credentials are refused. */
  target?: WriteTarget;
  metrics?: IngestorMetrics;
  health?: HealthState;
  staleLog?: StaleReadingLog;
  /**
   * Before a chunk counts as written (and its offsets may be committed), wait up to `timeoutMs`
   * for `replicas` replicas to acknowledge it (`ReplicaWait`). Unset parts: one replica on Redis
   * Cluster, none on standalone Redis (never on the API); 1000 ms. `{ replicas: 0 }`: off.
   */
  replicaWait?: Partial<ReplicaWaitSettings> | null;
}

/**
 * decode -> validate -> check bounds -> map to readings -> write (`IsolatingWriter`: one
 * `upsertReadings` call of the client's transport, which coalesces per device and index and lets
 * the newest timestamp win in Redis; refused readings are isolated) and bad messages -> error
 * sink. Transient failures of either output are retried until they succeed, so when `process`
 * resolves every message of the batch is accounted for and its offset may be committed. A refused
 * credential rejects with a `FatalIngestError`. Nothing here knows about Kafka.
 */
export class Pipeline {
  readonly #o: PipelineOptions;
  readonly #retry: DependencyRetry;
  readonly #writer: IsolatingWriter;

  constructor(options: PipelineOptions) {
    this.#o = options;
    const target = options.target ?? 'redis';
    this.#retry = new DependencyRetry({
      retry: options.retry,
      logger: options.logger,
      metrics: options.metrics,
      health: options.health,
      cacheName: target === 'api' ? 'cache API' : 'redis',
    });
    this.#writer = new IsolatingWriter({
      client: options.client,
      retry: this.#retry,
      target,
      metrics: options.metrics,
      replicaWait: ReplicaWait.forClient(options.client, options.replicaWait, options.logger),
    });
  }

  async process(messages: readonly SourceMessage[], ctx: BatchContext = {}): Promise<BatchResult> {
    // spans only while tracing is on (`traceChunk` answers null otherwise)
    const chunk = traceChunk(messages, ctx);
    if (chunk === null) return this.#process(messages, ctx, null);
    try {
      const result = await this.#process(messages, ctx, chunk);
      chunk.end();
      return result;
    } catch (error) {
      chunk.end(error);
      throw error;
    }
  }

  async #process(
    messages: readonly SourceMessage[],
    ctx: BatchContext,
    chunk: ChunkTrace | null,
  ): Promise<BatchResult> {
    const started = performance.now();
    const limits: DecodeLimits = {
      maxMessageBytes: this.#o.maxMessageBytes,
      checkReading: readingBoundsChecker({ nowMs: Date.now(), maxFutureSkewMs: this.#o.maxFutureSkewMs }),
    };
    const readings: Reading[] = [];
    /** The message index of each reading. */
    const sources: number[] = [];
    /** The correlation id of each reading's message (its request_id, else its origin). */
    const correlationIds: (string | null)[] = [];
    const rejected: ErrorRecord[] = [];
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      const decoded = decodeMessage(m.value, limits);
      if (decoded.ok) {
        readings.push(decoded.reading);
        sources.push(i);
        correlationIds.push(
          messageCorrelationId(decoded.reading.request_id, {
            topic: ctx.topic,
            partition: ctx.partition,
            offset: m.offset,
            line: m.line,
          }),
        );
        chunk?.correlate(i, correlationIds[correlationIds.length - 1]);
      } else {
        rejected.push(this.#rejection(decoded.failure, m, ctx));
        chunk?.correlate(i, decoded.failure.requestId);
        chunk?.rejected(i, decoded.failure.errorCode);
      }
    }
    const write = () => this.#writer.write(readings, ctx, correlationIds);
    const [upsert] = await Promise.all([
      chunk ? chunk.write(readings.length, write) : write(),
      rejected.length > 0 ? this.#report(rejected, ctx) : undefined,
    ]);
    const refused = upsert.refused.map((r) =>
      this.#refusal(
        r,
        messages[sources[r.position]!]!,
        recordRequestId(readings[r.position]!.request_id),
        ctx,
      ),
    );
    if (chunk) for (const r of upsert.refused) chunk.rejected(sources[r.position]!, r.errorCode);
    if (refused.length > 0) await this.#report(refused, ctx);
    this.#o.staleLog?.record(upsert.stale, upsert.staleSamples);
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
      for (const r of rejected) m.invalid.inc({ code: r.code, reason: r.message.error_code });
      for (const r of refused) m.invalid.inc({ code: r.code, reason: r.message.error_code });
    }
    return result;
  }

  #origin(m: SourceMessage, ctx: BatchContext): ErrorRecord['origin'] {
    return ctx.topic !== undefined && m.offset !== undefined
      ? { topic: ctx.topic, partition: ctx.partition ?? 0, offset: m.offset, key: m.key }
      : undefined;
  }

  #rejection(failure: DecodeFailure, m: SourceMessage, ctx: BatchContext): ErrorRecord {
    return {
      code: failure.code,
      origin: this.#origin(m, ctx),
      line: m.line,
      message: buildErrorMessage({
        requestId: failure.requestId,
        reason: failure.reason,
        code: failure.errorCode,
        original: failure.raw,
        originalBytes: failure.rawBytes,
      }),
    };
  }

  /** A reading the cache refused: its record carries the original message, as received. */
  #refusal(refusal: Refusal, m: SourceMessage, requestId: string | null, ctx: BatchContext): ErrorRecord {
    const raw = m.value === null ? null : typeof m.value === 'string' ? m.value : m.value.toString('utf8');
    return {
      code: refusal.code,
      origin: this.#origin(m, ctx),
      line: m.line,
      message: buildErrorMessage({
        requestId,
        reason: refusal.reason,
        code: refusal.errorCode,
        original: raw,
        originalBytes: raw === null ? 0 : Buffer.byteLength(raw),
      }),
    };
  }

  async #report(records: readonly ErrorRecord[], ctx: BatchContext): Promise<void> {
    await this.#retry.run('error_topic', () => this.#o.errors.send(records), ctx);
    const log = this.#o.logger;
    if (log.isLevelEnabled('warn')) {
      log.warn(
        {
          invalid: records.length,
          examples: records.slice(0, 3).map((r) => ({
            ...r.origin,
            key: undefined,
            line: r.line,
            request_id: r.message.request_id,
            code: r.code,
            error_code: r.message.error_code,
            reason: r.message.error,
          })),
        },
        'invalid messages sent to the error output',
      );
    }
  }
}
