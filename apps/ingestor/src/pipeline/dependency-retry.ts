import { classifyFailure, isCacheError } from '@org/cache-core';
import type { Logger } from '../logger.js';
import type { HealthState } from '../ops/health.js';
import type { IngestorMetrics } from '../ops/metrics.js';
import { type BackoffOptions, retry } from '../retry.js';

/** A server's Retry-After (API 429/503) is honoured, up to a minute; otherwise the backoff's delay. */
export function retryAfter(error: unknown, backoffMs: number): number {
  const seconds = (error as { retryAfterSeconds?: unknown } | null)?.retryAfterSeconds;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) return backoffMs;
  return Math.max(backoffMs, Math.min(seconds * 1000, 60_000));
}

/** The dependencies the pipeline writes to; health checks and metrics are labelled with them. */
export type Dependency = 'redis' | 'error_topic';

export interface RetryContext {
  /** Called while retries wait (Kafka heartbeats). */
  keepAlive?: () => Promise<void>;
  /** Aborts retries (shutdown). */
  signal?: AbortSignal;
}

export interface DependencyRetryOptions {
  retry: BackoffOptions & { giveUpAfterMs?: number };
  logger: Logger;
  metrics?: IngestorMetrics;
  health?: HealthState;
  /** How the cache is named in logs: "redis" or "cache API" (`--api-url`). */
  cacheName?: string;
}

/**
 * Retries a write until it succeeds, marking the dependency degraded meanwhile. For the cache only
 * `transient` failures (core `classifyFailure`) are retried; a `permanent` or `fatal` one is
 * rethrown at once for the caller to handle. The error topic is retried whatever the failure.
 * Only the write's own failures are judged: an error of `keepAlive` (a rebalance seen by a
 * heartbeat) or an abort ends the retry as it is.
 */
export class DependencyRetry {
  readonly #o: DependencyRetryOptions;

  constructor(options: DependencyRetryOptions) {
    this.#o = options;
  }

  /**
   * Runs `op` until it succeeds or fails in a way that is not retried. Each failure of `op` itself
   * is added to `failures`, so the caller can tell it from an abort or a keep-alive error.
   */
  run<T>(
    dependency: Dependency,
    op: () => Promise<T>,
    ctx: RetryContext,
    failures?: WeakSet<object>,
  ): Promise<T> {
    const { logger, health, metrics } = this.#o;
    const name = dependency === 'redis' ? (this.#o.cacheName ?? 'redis') : dependency;
    // Any success means the dependency is back, even when the retry loop that saw it fail was left
    // (a rebalance, a shutdown) and this is a new batch's first attempt.
    const recovered = () => {
      if (health?.get(dependency)?.ok !== false) return;
      health.set(dependency, true, `${name} writes succeed`);
      metrics?.degraded.set({ dependency }, 0);
      logger.info({ dependency }, `${name} is back; resuming`);
    };
    return retry(
      async () => {
        let result: T;
        try {
          result = await op();
        } catch (error) {
          if (failures && typeof error === 'object' && error !== null) failures.add(error);
          throw error;
        }
        recovered();
        return result;
      },
      {
        ...this.#o.retry,
        signal: ctx.signal,
        keepAlive: ctx.keepAlive,
        keepAliveMs: 250,
        isRetriable: dependency === 'redis' ? (error) => classifyFailure(error) === 'transient' : undefined,
        delayFor: retryAfter,
        onRetry: (error, failures, delayMs) => {
          const message = error instanceof Error ? error.message : String(error);
          if (failures === 1) {
            health?.set(dependency, false, `${name} writes are failing: ${message}`);
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
            `${name} write failed; retrying`,
          );
        },
      },
    );
  }
}
