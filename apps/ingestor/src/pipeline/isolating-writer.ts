import type { CacheClient } from '@org/cache-client';
import { classifyFailure, ErrorCode, isCacheError, type Reading, type UpsertResult } from '@org/cache-core';
import type { IngestorMetrics } from '../ops/metrics.js';
import type { DependencyRetry, RetryContext } from './dependency-retry.js';
import type { IngestErrorCode } from './error-message.js';
import { credentialsRefused, type WriteTarget } from './fatal-error.js';
import type { ReplicaWait } from './replica-wait.js';

type StaleSample = UpsertResult['staleSamples'][number];

/** A reading the cache refused for good: its position in the written list, and why. */
export interface Refusal {
  position: number;
  code: ErrorCode;
  errorCode: IngestErrorCode;
  /** Safe to log: the error's message, which never quotes the reading. */
  reason: string;
}

export interface WriteOutcome {
  written: number;
  stale: number;
  refused: Refusal[];
  /** Up to 10 of the stale readings (device, index, timestamp), for the log sample. */
  staleSamples: StaleSample[];
  /** Upsert calls made beyond the first one, to isolate refused readings. */
  extraCalls: number;
}

export interface IsolatingWriterOptions {
  /** Its transport writes: the readings given to `write` must have passed core's bounds check. */
  client: CacheClient;
  retry: DependencyRetry;
  target: WriteTarget;
  metrics?: IngestorMetrics;
  /** Redis: each write waits for its replicas' acknowledgement (inside the retried unit). */
  replicaWait?: ReplicaWait | null;
}

const MAX_STALE_SAMPLES = 10;
const REASON_CODE = /^[a-z][a-z_]{0,39}$/;
const CACHE_CODE = /^(CACHE|AUTH)_\d{3}$/;

/**
 * Writes readings with the client transport's `upsertReadings`, isolating the ones the cache
 * refuses. Transient failures are retried (the source pauses meanwhile); a fatal one (credentials
 * refused) becomes a `FatalIngestError`; on a permanent one the list is split until each culprit is
 * alone: around the position the error names (`details.position`), otherwise in halves. k culprits
 * among n readings cost about 2k·log2(n) extra calls; the happy path is one call and nothing more.
 * Rewriting a part that was already written is harmless: writes are latest-wins.
 */
export class IsolatingWriter {
  readonly #o: IsolatingWriterOptions;
  constructor(options: IsolatingWriterOptions) {
    this.#o = options;
  }

  /**
   * `correlationIds`: per reading, the correlation id of its message (the device events carry the
   * one of each device's newest reading; see `WriteContext.correlationIds`).
   */
  async write(
    readings: readonly Reading[],
    ctx: RetryContext,
    correlationIds?: readonly (string | null)[],
  ): Promise<WriteOutcome> {
    const out: WriteOutcome = { written: 0, stale: 0, refused: [], staleSamples: [], extraCalls: -1 };
    if (readings.length === 0) return { ...out, extraCalls: 0 };
    await this.#write(readings, null, correlationIds ?? null, ctx, out);
    if (out.extraCalls > 0) this.#o.metrics?.isolationWrites.inc(out.extraCalls);
    return out;
  }

  /** `positions` maps `list` back to the caller's list (null: the same list); `all`: the caller's ids. */
  async #write(
    list: readonly Reading[],
    positions: readonly number[] | null,
    all: readonly (string | null)[] | null,
    ctx: RetryContext,
    out: WriteOutcome,
  ): Promise<void> {
    const failures = new WeakSet<object>();
    let failure: unknown;
    out.extraCalls++;
    try {
      const ids = all === null || positions === null ? all : positions.map((p) => all[p] ?? null);
      const r = await this.#o.retry.run('redis', () => this.#upsert(list, ids), ctx, failures);
      out.written += r.written;
      out.stale += r.stale;
      for (const s of r.staleSamples ?? []) {
        if (out.staleSamples.length < MAX_STALE_SAMPLES) out.staleSamples.push(s);
      }
      return;
    } catch (error) {
      // An abort, a keep-alive (rebalance) error, or a transient failure given up on: not ours to judge.
      if (typeof error !== 'object' || error === null || !failures.has(error)) throw error;
      const kind = classifyFailure(error);
      if (kind === 'transient') throw error;
      if (kind === 'fatal') throw credentialsRefused(error, this.#o.target);
      failure = error;
    }
    const at = (i: number) => (positions === null ? i : positions[i]!);
    if (list.length === 1) {
      out.refused.push(refusalOf(failure, at(0)));
      return;
    }
    const named = namedPosition(failure, list.length);
    if (named !== null) {
      // A bounds check goes in order: the ones before the culprit passed it.
      out.refused.push(refusalOf(failure, at(named)));
      await this.#part(list, positions, all, 0, named, ctx, out);
      await this.#part(list, positions, all, named + 1, list.length, ctx, out);
      return;
    }
    const mid = list.length >>> 1;
    await this.#part(list, positions, all, 0, mid, ctx, out);
    await this.#part(list, positions, all, mid, list.length, ctx, out);
  }

  #part(
    list: readonly Reading[],
    positions: readonly number[] | null,
    all: readonly (string | null)[] | null,
    from: number,
    to: number,
    ctx: RetryContext,
    out: WriteOutcome,
  ): Promise<void> {
    if (from >= to) return Promise.resolve();
    const part = list.slice(from, to);
    const partPositions = [];
    for (let i = from; i < to; i++) partPositions.push(positions === null ? i : positions[i]!);
    return this.#write(part, partPositions, all, ctx, out);
  }

  /**
   * The transport's write: every reading was checked by the pipeline with core's
   * `readingBoundsChecker` (the same bounds and skew `client.upsertReadings` would check again),
   * so the hot path checks each reading once.
   */
  async #upsert(readings: readonly Reading[], ids: readonly (string | null)[] | null): Promise<UpsertResult> {
    const started = performance.now();
    const context = ids === null ? undefined : { correlationIds: ids };
    const write = () => this.#o.client.transport.upsertReadings(readings, context);
    const wait = this.#o.replicaWait;
    const result = await (wait ? wait.around(write) : write());
    this.#o.metrics?.redisSeconds.observe((performance.now() - started) / 1000);
    return result;
  }
}

/** The position of the offending reading when the client's bounds check named it (`details.position`). */
function namedPosition(error: unknown, length: number): number | null {
  if (!isCacheError(error)) return null;
  const position = error.details.position;
  return typeof position === 'number' && Number.isInteger(position) && position >= 0 && position < length
    ? position
    : null;
}

/**
 * The bound a refusal names: `details.reason` of the client's bounds check, or the one problem the
 * API listed for a one-reading batch (`details.errors[0]`, HTTP transport).
 */
function namedProblem(error: unknown): { reason?: unknown; code?: unknown } {
  if (!isCacheError(error)) return {};
  const { reason, errors } = error.details;
  if (reason !== undefined) return { reason };
  if (Array.isArray(errors) && errors.length === 1 && typeof errors[0] === 'object' && errors[0] !== null) {
    const item = errors[0] as { reason?: unknown; code?: unknown };
    return { reason: item.reason, code: item.code };
  }
  return {};
}

function refusalOf(error: unknown, position: number): Refusal {
  const named = namedProblem(error);
  const code =
    typeof named.code === 'string' && CACHE_CODE.test(named.code)
      ? (named.code as ErrorCode)
      : isCacheError(error)
        ? error.code
        : ErrorCode.INTERNAL;
  const message = error instanceof Error ? error.message : String(error);
  return {
    position,
    code,
    // The bound that was exceeded when the refusal names one; anything else is `write_failed`.
    errorCode:
      typeof named.reason === 'string' && REASON_CODE.test(named.reason)
        ? (named.reason as IngestErrorCode)
        : 'write_failed',
    reason: `refused by the cache: ${message}`,
  };
}
