/** A sliding-window request limit: `requests` per `windowSeconds` and subject. */
export interface RateLimitPolicy {
  requests: number;
  windowSeconds: number;
}

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the current window ends. */
  resetSeconds: number;
  /** When refused: seconds until a request would be allowed again. */
  retryAfterSeconds: number;
}

/** Counts requests per subject; the decision may need a round trip (Redis) or not (memory). */
export interface RateLimiter {
  readonly policy: RateLimitPolicy;
  hit(subject: string): RateDecision | Promise<RateDecision>;
}

/**
 * Sliding window counter: the previous fixed window's count, weighted by how much of it still
 * overlaps the sliding window, plus the current window's count (this request included).
 */
export function decide(
  policy: RateLimitPolicy,
  current: number,
  previous: number,
  now: number,
): RateDecision {
  const windowMs = policy.windowSeconds * 1000;
  const elapsed = (now % windowMs) / windowMs;
  const estimate = previous * (1 - elapsed) + current;
  const limit = policy.requests;
  const allowed = estimate <= limit;
  const resetSeconds = Math.max(1, Math.ceil(Math.round((1 - elapsed) * windowMs) / 1000));
  let retryAfterSeconds = 0;
  if (!allowed) {
    // When does the estimate fall back to the limit, assuming no further request?
    let waitFraction: number;
    if (current >= limit) waitFraction = 1 - elapsed + (1 - limit / current);
    else waitFraction = previous > 0 ? 1 - (limit - current) / previous - elapsed : 0;
    retryAfterSeconds = Math.max(1, Math.ceil(Math.round(Math.max(0, waitFraction) * windowMs) / 1000));
  }
  return {
    allowed,
    limit,
    remaining: Math.max(0, Math.floor(limit - estimate)),
    resetSeconds,
    retryAfterSeconds,
  };
}

/** In-process counters (the embedded store: one instance, nothing to share). */
export class MemoryRateLimiter implements RateLimiter {
  readonly policy: RateLimitPolicy;
  #window = -1;
  #current = new Map<string, number>();
  #previous = new Map<string, number>();

  constructor(policy: RateLimitPolicy) {
    this.policy = policy;
  }

  hit(subject: string, now = Date.now()): RateDecision {
    const window = Math.floor(now / (this.policy.windowSeconds * 1000));
    if (window !== this.#window) {
      this.#previous = window === this.#window + 1 ? this.#current : new Map();
      this.#current = new Map();
      this.#window = window;
    }
    const count = (this.#current.get(subject) ?? 0) + 1;
    this.#current.set(subject, count);
    return decide(this.policy, count, this.#previous.get(subject) ?? 0, now);
  }
}
