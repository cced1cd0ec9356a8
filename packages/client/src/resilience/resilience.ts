import { classifyFailure, UnavailableError } from '@org/cache-core';
import type { CacheTransport } from '../transport.js';
import { type BreakerState, CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.js';
import { backoffDelayMs, DEFAULT_RETRY, type RetryOptions, shouldRetry } from './retry-policy.js';

/**
 * The client's resilience options (interface-control document, section 9.2): `timeout` (s),
 * `retry`, `backoff`, and `circuit_breaker` (`threshold`, `window`, `min_requests`); `false`
 * turns the breaker off.
 */
export interface ResilienceOptions extends RetryOptions {
  /** Seconds a call may take before it fails with CACHE_005 (default 5). */
  timeout?: number;
  circuit_breaker?: CircuitBreakerOptions | false;
}

export const DEFAULT_TIMEOUT_SECONDS = 5;

/** Transport calls the guard wraps, and whether each may be sent twice (idempotent). */
export const GUARDED_CALLS: Readonly<Record<string, boolean>> = {
  getDeviceMetadataMany: true,
  getReadings: true,
  getReading: true,
  listIndexes: true,
  listDevices: true,
  listFutureDevices: true,
  getCacheInfo: true,
  kvGet: true,
  kvListKeys: true,
  kvStats: true,
  readEvents: true,
  // newest-wins per device and index, no event for an identical replay: sending it again is harmless
  upsertReadings: true,
  storeDeviceMetadata: false,
  resetDevice: false,
  kvSet: false,
  kvDelete: false,
  kvInvalidate: false,
  kvClearTenant: false,
  flush: false,
};

/** What the guard says of the backend (for health and readiness). */
export interface ResilienceState {
  breaker: BreakerState | 'off';
  /** Why calls are refused at once, or null. */
  refusing: 'connection_down' | 'circuit_open' | null;
}

/**
 * Fail-fast guard around a transport's calls: a connection known to be down (`isDown`) or an open
 * breaker answers `UnavailableError` (CACHE_006, with `retryAfterSeconds`) without touching the
 * backend; transient failures of idempotent calls are retried with exponential backoff and jitter.
 */
export class Resilience {
  readonly breaker: CircuitBreaker | null;
  readonly #retry: RetryOptions;
  readonly #retries: number;
  readonly #isDown: () => boolean;

  constructor(options: ResilienceOptions, isDown: () => boolean, retries = options.retry ?? DEFAULT_RETRY) {
    this.breaker = options.circuit_breaker === false ? null : new CircuitBreaker(options.circuit_breaker);
    this.#retry = options;
    this.#retries = Math.max(0, retries);
    this.#isDown = isDown;
  }

  state(): ResilienceState {
    const breaker = this.breaker?.state ?? 'off';
    const refusing = this.#isDown() ? 'connection_down' : breaker === 'open' ? 'circuit_open' : null;
    return { breaker, refusing };
  }

  /** Runs `fn.apply(self, args)` under the guard. */
  async call<T>(
    operation: string,
    idempotent: boolean,
    fn: (...args: unknown[]) => Promise<T>,
    self: unknown,
    args: unknown[],
  ): Promise<T> {
    const breaker = this.breaker;
    for (let attempt = 0; ; attempt++) {
      if (this.#isDown()) throw connectionDown(operation);
      if (breaker !== null && !breaker.admit()) throw breaker.unavailable(operation);
      try {
        const result = await fn.apply(self, args);
        breaker?.record(true);
        return result;
      } catch (error) {
        // a refused input or a script error is the caller's, not a sign of a failing backend
        breaker?.record(classifyFailure(error) !== 'transient');
        if (!shouldRetry(error, idempotent, attempt, this.#retries)) throw error;
        await sleep(backoffDelayMs(attempt, this.#retry, Math.random()));
      }
    }
  }

  /**
   * Puts the guard in front of the transport's calls listed in GUARDED_CALLS (own properties of
   * this instance; everything else, e.g. `watchEvents` or `close`, is left as it is).
   */
  install<T extends CacheTransport>(transport: T): T {
    const target = transport as unknown as Record<string, unknown>;
    for (const [name, idempotent] of Object.entries(GUARDED_CALLS)) {
      const original = target[name];
      if (typeof original !== 'function') continue;
      const fn = original as (...args: unknown[]) => Promise<unknown>;
      target[name] = (...args: unknown[]) => this.call(name, idempotent, fn, transport, args);
    }
    guards.set(transport, this);
    return transport;
  }
}

const guards = new WeakMap<CacheTransport, Resilience>();

/** The guard installed on a transport (by `createCacheClient`), if any. */
export function resilienceOf(transport: CacheTransport): Resilience | undefined {
  return guards.get(transport);
}

function connectionDown(operation: string): UnavailableError {
  return new UnavailableError(`the backend connection is down (${operation})`, {
    details: { operation, reason: 'connection_down' },
    retryAfterSeconds: 1,
    failure: 'transient',
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
