import type { CacheClient } from '@org/cache-client';
import { RedisTransport } from '@org/cache-client/transports';
import { RateLimitError } from '@org/cache-core';
import type { ApiLimits } from './limits.js';
import { MemoryRateLimiter, type RateDecision, type RateLimiter } from './rate-limiter.js';
import { RedisRateLimiter } from './redis-rate-limiter.js';

/** Addresses remembered as blocked before the map is cleared (a blocked address then asks the limiter again). */
const MAX_BLOCKED = 10_000;

/**
 * Failed authentications per client address (the socket's peer, never a header): each failure is
 * a hit on a limiter (`authfail:<address>`, shared through Redis on Redis); once an address is
 * over the limit its failure answers 429 CACHE_009 with Retry-After, and so does every request
 * from it that brings credentials not already verified on its connection, without verifying them,
 * until the window makes room. Successful requests are never counted.
 */
export class AuthFailureGuard {
  readonly limiter: RateLimiter;
  readonly #blockedUntil = new Map<string, number>();

  constructor(limiter: RateLimiter) {
    this.limiter = limiter;
  }

  /** Throws 429 when the address is blocked (before any credential is checked). */
  check(address: string, now = Date.now()): void {
    const until = this.#blockedUntil.get(address);
    if (until === undefined) return;
    if (until <= now) {
      this.#blockedUntil.delete(address);
      return;
    }
    throw this.#tooMany(Math.ceil((until - now) / 1000));
  }

  /**
   * Counts one failure of `address` and rejects with what to answer: the 429 once the address is
   * over the limit, else the authentication error itself (also when the limiter is unavailable).
   */
  async failed(address: string, error: unknown): Promise<never> {
    let decision: RateDecision;
    try {
      decision = await this.limiter.hit(`authfail:${address}`);
    } catch {
      throw error;
    }
    if (decision.allowed) throw error;
    if (this.#blockedUntil.size >= MAX_BLOCKED) this.#blockedUntil.clear();
    this.#blockedUntil.set(address, Date.now() + decision.retryAfterSeconds * 1000);
    throw this.#tooMany(decision.retryAfterSeconds);
  }

  #tooMany(retryAfterSeconds: number): RateLimitError {
    const { requests, windowSeconds } = this.limiter.policy;
    return new RateLimitError(
      `too many failed authentications from this address: ${requests} per ${windowSeconds} s`,
      Math.max(1, retryAfterSeconds),
      { details: { limit: requests, window_seconds: windowSeconds } },
    );
  }
}

/** The guard the limits ask for (Redis-shared when the client is on Redis), or null when off. */
export function authFailureGuard(client: CacheClient, limits: ApiLimits): AuthFailureGuard | null {
  const policy = limits.authFailureLimit;
  if (policy === null) return null;
  const transport = client.transport;
  const limiter =
    transport instanceof RedisTransport
      ? new RedisRateLimiter(transport.redis, transport.keys, policy)
      : new MemoryRateLimiter(policy);
  return new AuthFailureGuard(limiter);
}
