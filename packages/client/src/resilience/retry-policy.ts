import { CacheError, classifyFailure, ErrorCode } from '@org/cache-core';

/** Retry settings, named after section 9.2 of the interface-control document. */
export interface RetryOptions {
  /** Extra attempts of an idempotent call after a transient failure (default 3). */
  retry?: number;
  /** `exponential` (default): `min(max, base * 2^attempt)` with full jitter; `none`: no wait. */
  backoff?: 'exponential' | 'none';
  /** First backoff step in ms (default 50). */
  backoff_base_ms?: number;
  /** Largest backoff in ms (default 2,000). */
  backoff_max_ms?: number;
}

export const DEFAULT_RETRY = 3;

/**
 * The wait before retry number `attempt` (0-based): full jitter over
 * `[0, min(max, base * 2^attempt)]`; `random` is in [0, 1).
 */
export function backoffDelayMs(attempt: number, options: RetryOptions, random: number): number {
  if (options.backoff === 'none') return 0;
  const base = options.backoff_base_ms ?? 50;
  const max = options.backoff_max_ms ?? 2_000;
  const ceiling = Math.min(max, base * 2 ** Math.min(attempt, 30));
  return Math.floor(random * ceiling);
}

/**
 * May a failed call be sent again? Only an idempotent one, only for a transient failure, and not
 * for a timeout (the call already spent its whole budget) nor an answer that says "unavailable,
 * come back later" at once (an open breaker or a connection known to be down: a retry would only
 * slow the fast answer down).
 */
export function shouldRetry(error: unknown, idempotent: boolean, attempt: number, retries: number): boolean {
  if (!idempotent || attempt >= retries) return false;
  if (classifyFailure(error) !== 'transient') return false;
  if (error instanceof CacheError) {
    if (error.code === ErrorCode.TIMEOUT) return false;
    const reason = error.details.reason;
    if (reason === 'circuit_open' || reason === 'connection_down') return false;
  }
  return true;
}
