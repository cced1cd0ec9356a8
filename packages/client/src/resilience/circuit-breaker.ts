import { UnavailableError } from '@org/cache-core';

/** The breaker's settings, named after section 9.2 of the interface-control document. */
export interface CircuitBreakerOptions {
  /** Failure ratio (0..1] in the window at or above which the breaker opens (default 0.5). */
  threshold?: number;
  /** Length of the sliding window in seconds (default 60). */
  window?: number;
  /** Calls the window must hold before the ratio counts (default 20). */
  min_requests?: number;
  /** Seconds the breaker stays open before it lets one probe through (half-open; default 1). */
  open_seconds?: number;
  /** The clock (ms); tests pass their own. */
  now?: () => number;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

/** Buckets of the sliding window: the window moves in steps of window/BUCKETS. */
export const BREAKER_BUCKETS = 10;

/**
 * A circuit breaker over a sliding window of BREAKER_BUCKETS time buckets (counts in two fixed
 * Int32Arrays: O(1) per call, no allocation). Closed: every call passes and its outcome is counted;
 * when the window holds at least `min_requests` calls and failures / calls >= `threshold`, it opens.
 * Open: `admit()` is false (the caller answers `Unavailable` at once) until `open_seconds` passed,
 * then half-open: exactly one probe is admitted; its success closes the breaker (window cleared),
 * its failure opens it again.
 */
export class CircuitBreaker {
  readonly threshold: number;
  readonly windowMs: number;
  readonly minRequests: number;
  readonly openMs: number;
  readonly #now: () => number;
  readonly #calls = new Int32Array(BREAKER_BUCKETS);
  readonly #failures = new Int32Array(BREAKER_BUCKETS);
  readonly #bucketMs: number;
  /** Bucket number (time / bucketMs) each slot holds. */
  readonly #slotBucket = new Float64Array(BREAKER_BUCKETS).fill(-1);
  #state: BreakerState = 'closed';
  #openedAt = 0;
  #probing = false;
  /** Times it opened since it was made (for health and metrics). */
  openings = 0;

  constructor(options: CircuitBreakerOptions = {}) {
    this.threshold = options.threshold ?? 0.5;
    this.windowMs = (options.window ?? 60) * 1000;
    this.minRequests = options.min_requests ?? 20;
    this.openMs = (options.open_seconds ?? 1) * 1000;
    this.#now = options.now ?? Date.now;
    if (!(this.threshold > 0 && this.threshold <= 1)) throw new RangeError('threshold must be in (0, 1]');
    if (!(this.windowMs > 0)) throw new RangeError('window must be positive');
    if (!(Number.isInteger(this.minRequests) && this.minRequests >= 1))
      throw new RangeError('min_requests must be a positive integer');
    if (!(this.openMs >= 0)) throw new RangeError('open_seconds must be >= 0');
    this.#bucketMs = this.windowMs / BREAKER_BUCKETS;
  }

  get state(): BreakerState {
    if (this.#state === 'open' && this.#now() - this.#openedAt >= this.openMs) return 'half-open';
    return this.#state;
  }

  /** Seconds until a probe may pass (at least 1, for a Retry-After header). */
  retryAfterSeconds(): number {
    const left = this.openMs - (this.#now() - this.#openedAt);
    return Math.max(1, Math.ceil(left / 1000));
  }

  /** May a call go through now? When half-open, true for one probe at a time. */
  admit(): boolean {
    if (this.#state === 'closed') return true;
    if (this.#state === 'open') {
      if (this.#now() - this.#openedAt < this.openMs) return false;
      this.#state = 'half-open';
      this.#probing = false;
    }
    if (this.#probing) return false;
    this.#probing = true;
    return true;
  }

  /** Records the outcome of an admitted call. */
  record(ok: boolean): void {
    if (this.#state === 'half-open') {
      this.#probing = false;
      if (ok) {
        this.#state = 'closed';
        this.#calls.fill(0);
        this.#failures.fill(0);
        this.#slotBucket.fill(-1);
      } else {
        this.#open();
      }
      return;
    }
    if (this.#state === 'open') return; // a call admitted before it opened
    const bucket = Math.floor(this.#now() / this.#bucketMs);
    const slot = bucket % BREAKER_BUCKETS;
    if (this.#slotBucket[slot] !== bucket) {
      this.#slotBucket[slot] = bucket;
      this.#calls[slot] = 0;
      this.#failures[slot] = 0;
    }
    this.#calls[slot]! += 1;
    if (!ok) this.#failures[slot]! += 1;
    if (!ok) this.#check(bucket);
  }

  /** The error a refused call answers. */
  unavailable(operation: string): UnavailableError {
    return new UnavailableError(`the circuit breaker is open (${operation})`, {
      details: { operation, reason: 'circuit_open' },
      retryAfterSeconds: this.retryAfterSeconds(),
      failure: 'transient',
    });
  }

  #check(bucket: number): void {
    let calls = 0;
    let failures = 0;
    for (let i = 0; i < BREAKER_BUCKETS; i++) {
      if (this.#slotBucket[i]! > bucket - BREAKER_BUCKETS) {
        calls += this.#calls[i]!;
        failures += this.#failures[i]!;
      }
    }
    if (calls >= this.minRequests && failures >= this.threshold * calls) this.#open();
  }

  #open(): void {
    this.#state = 'open';
    this.#openedAt = this.#now();
    this.#probing = false;
    this.openings += 1;
  }
}
