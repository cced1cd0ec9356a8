import type { KeyScheme } from '@org/cache-core';
import type { Cluster, Redis } from 'ioredis';
import { decide, type RateDecision, type RateLimiter, type RateLimitPolicy } from './rate-limiter.js';

const COMMAND = 'cacheApiRateHit';

/** Counts the hit in the current window and reads the previous window, in one round trip. */
const HIT_LUA = `
local c = redis.call('INCR', KEYS[1])
if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local p = redis.call('GET', KEYS[2])
return {c, tonumber(p) or 0}
`;

type HitCall = (current: string, previous: string, ttlMs: number) => Promise<[number, number]>;

/**
 * Sliding-window counters in Redis (`ratelimit:{subject}:<window>` from the key scheme), shared by
 * every API instance on the same Redis. Both windows of a subject share a hash slot (cluster-safe).
 */
export class RedisRateLimiter implements RateLimiter {
  readonly policy: RateLimitPolicy;
  readonly #keys: KeyScheme;
  readonly #call: HitCall;

  constructor(redis: Redis | Cluster, keys: KeyScheme, policy: RateLimitPolicy) {
    this.policy = policy;
    this.#keys = keys;
    const commands = redis as unknown as Record<string, unknown>;
    if (typeof commands[COMMAND] !== 'function')
      redis.defineCommand(COMMAND, { numberOfKeys: 2, lua: HIT_LUA });
    const fn = commands[COMMAND] as (...args: (string | number)[]) => Promise<[number, number]>;
    this.#call = (current, previous, ttlMs) => fn.call(redis, current, previous, ttlMs);
  }

  async hit(subject: string, now = Date.now()): Promise<RateDecision> {
    const windowMs = this.policy.windowSeconds * 1000;
    const window = Math.floor(now / windowMs);
    const [current, previous] = await this.#call(
      this.#keys.rateLimit(subject, window),
      this.#keys.rateLimit(subject, window - 1),
      windowMs * 2 + 1000,
    );
    return decide(this.policy, current, previous, now);
  }
}
