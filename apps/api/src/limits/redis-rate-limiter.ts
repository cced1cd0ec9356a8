import { connectionDown } from '@org/cache-client/transports';
import { type KeyScheme, UnavailableError } from '@org/cache-core';
import type { Cluster, Redis } from 'ioredis';
import { decide, type RateDecision, type RateLimiter, type RateLimitPolicy } from './rate-limiter.js';

const COMMAND = 'cacheApiRateLease';

/**
 * Grants a lease of hits atomically: reads the current and previous windows, computes the sliding
 * estimate, and adds to the current window at most what is left under the limit (none when
 * nothing is). ARGV: limit, weight of the previous window (1 - elapsed fraction), hits needed now,
 * largest lease, lease fraction of what is left, key TTL (ms). Returns {granted, current, previous}.
 */
const LEASE_LUA = `
local limit = tonumber(ARGV[1])
local weight = tonumber(ARGV[2])
local need = tonumber(ARGV[3])
local cap = tonumber(ARGV[4])
local fraction = tonumber(ARGV[5])
local cur = tonumber(redis.call('GET', KEYS[1])) or 0
local prev = tonumber(redis.call('GET', KEYS[2])) or 0
local budget = math.floor(limit - prev * weight - cur)
local grant = 0
if budget > 0 then
  grant = math.floor(budget * fraction)
  if grant < need then grant = need end
  if grant > cap then grant = cap end
  if grant > budget then grant = budget end
  cur = redis.call('INCRBY', KEYS[1], grant)
  if cur == grant then redis.call('PEXPIRE', KEYS[1], ARGV[6]) end
end
return {grant, cur, prev}
`;

type LeaseCall = (
  current: string,
  previous: string,
  ...args: (string | number)[]
) => Promise<[number, number, number]>;

interface Counter {
  window: number;
  /** The window's count in Redis as last seen: every instance's leases, ours included. */
  shared: number;
  /** The previous window's count in Redis. */
  previous: number;
  /** Hits granted to this instance by Redis and not used yet. */
  leaseLeft: number;
  /** Size of the last lease (a new one is asked for in the background below half of it). */
  lastLease: number;
  /** Refused without asking Redis until then (epoch ms): Redis said nothing is left. */
  deniedUntil: number;
  /** The lease request in flight, if any (hits with no lease left wait for it). */
  inflight: Promise<void> | null;
  /** Hits waiting for `inflight`. */
  waiting: number;
}

export interface RedisRateLimiterOptions {
  /** Largest lease, in hits (default 10,000). */
  maxLease?: number;
  /** A lease is this fraction of what is left under the limit (default 1/20), at least the hits waiting. */
  leaseFraction?: number;
}

/** Subjects kept in memory before the ones of ended windows are dropped (then all, if still too many). */
const MAX_COUNTERS = 10_000;

/**
 * Sliding-window counters in Redis (`ratelimit:{subject}:<window>` from the key scheme), shared by
 * every API instance on the same Redis. An instance never decides on a count it only guesses:
 * Redis grants it leases of hits atomically (a Lua script that never grants past the limit), and
 * the instance admits requests from its lease locally, with no round trip. A lease is a small
 * fraction of what is left (so several instances share the remainder), shrinking to one hit near
 * the limit; the next lease is asked for in the background when half of one is used. So the
 * instances together never admit more than the limit, and a request away from the limit costs no
 * Redis round trip. Once Redis says nothing is left, the subject is refused locally until the
 * sliding window makes room again.
 */
export class RedisRateLimiter implements RateLimiter {
  readonly policy: RateLimitPolicy;
  readonly #keys: KeyScheme;
  readonly #lease: LeaseCall;
  readonly #maxLease: number;
  readonly #fraction: number;
  readonly #windowMs: number;
  readonly #counters = new Map<string, Counter>();
  readonly #redis: Redis | Cluster;

  constructor(
    redis: Redis | Cluster,
    keys: KeyScheme,
    policy: RateLimitPolicy,
    options: RedisRateLimiterOptions = {},
  ) {
    this.policy = policy;
    this.#redis = redis;
    this.#keys = keys;
    this.#maxLease = Math.max(1, options.maxLease ?? 10_000);
    this.#fraction = Math.min(1, Math.max(0, options.leaseFraction ?? 1 / 20));
    this.#windowMs = policy.windowSeconds * 1000;
    const commands = redis as unknown as Record<string, unknown>;
    if (typeof commands[COMMAND] !== 'function')
      redis.defineCommand(COMMAND, { numberOfKeys: 2, lua: LEASE_LUA });
    const fn = commands[COMMAND] as (...args: (string | number)[]) => Promise<[number, number, number]>;
    this.#lease = (current, previous, ...args) => fn.call(redis, current, previous, ...args);
  }

  hit(subject: string, now = Date.now()): RateDecision | Promise<RateDecision> {
    const window = Math.floor(now / this.#windowMs);
    let counter = this.#counters.get(subject);
    if (counter === undefined || counter.window !== window) {
      if (counter === undefined && this.#counters.size >= MAX_COUNTERS) this.#prune(window);
      counter = {
        window,
        shared: 0,
        previous: 0,
        leaseLeft: 0,
        lastLease: 0,
        deniedUntil: 0,
        inflight: null,
        waiting: 0,
      };
      this.#counters.set(subject, counter);
    }
    return this.#take(subject, counter, now);
  }

  #take(subject: string, c: Counter, now: number): RateDecision | Promise<RateDecision> {
    if (c.leaseLeft > 0) {
      c.leaseLeft--;
      if (c.inflight === null && c.lastLease > 1 && c.leaseLeft * 2 < c.lastLease && c.deniedUntil <= now)
        this.#ask(subject, c, now).catch(() => {}); // the next lease, ahead of need
      return this.#allowed(c, now);
    }
    if (now < c.deniedUntil) return this.#refused(c, now);
    // A lost connection: fail at once (the middleware lets the request through to its own 503),
    // never a lease request that waits for a reconnect.
    if (connectionDown(this.#redis)) throw new UnavailableError('the rate limiter cannot reach Redis');
    c.waiting++;
    const pending = c.inflight ?? this.#ask(subject, c, now);
    return pending.then(
      () => {
        c.waiting--;
        return this.#take(subject, c, now);
      },
      (error: unknown) => {
        c.waiting--;
        throw error;
      },
    );
  }

  /** One lease request (at least the hits waiting); sets the denial when Redis had less than that. */
  #ask(subject: string, c: Counter, now: number): Promise<void> {
    const need = Math.max(1, c.waiting);
    const elapsed = (now % this.#windowMs) / this.#windowMs;
    const request = this.#lease(
      this.#keys.rateLimit(subject, c.window),
      this.#keys.rateLimit(subject, c.window - 1),
      this.policy.requests,
      1 - elapsed,
      need,
      Math.max(need, this.#maxLease),
      this.#fraction,
      this.#windowMs * 2 + 1000,
    ).then(([granted, shared, previous]) => {
      c.shared = Math.max(c.shared, shared);
      c.previous = previous;
      c.leaseLeft += granted;
      c.lastLease = granted;
      if (granted < need) {
        // Nothing (more) left under the limit: refuse locally until the window makes room.
        const d = decide(this.policy, c.shared + 1, c.previous, now);
        c.deniedUntil = now + Math.max(1, d.retryAfterSeconds) * 1000;
      }
    });
    const inflight = request.finally(() => {
      if (c.inflight === inflight) c.inflight = null;
    });
    c.inflight = inflight;
    return inflight;
  }

  /** The decision for a hit taken from the lease (one object, no other allocation). */
  #allowed(c: Counter, now: number): RateDecision {
    const left = (this.#windowMs - (now % this.#windowMs)) / this.#windowMs;
    const estimate = c.previous * left + c.shared;
    return {
      allowed: true,
      limit: this.policy.requests,
      remaining: Math.max(0, Math.floor(this.policy.requests - estimate)) + c.leaseLeft,
      resetSeconds: Math.max(1, Math.ceil(Math.round(left * this.#windowMs) / 1000)),
      retryAfterSeconds: 0,
    };
  }

  #refused(c: Counter, now: number): RateDecision {
    const d = decide(this.policy, c.shared, c.previous, now);
    return {
      allowed: false,
      limit: this.policy.requests,
      remaining: 0,
      resetSeconds: d.resetSeconds,
      retryAfterSeconds: Math.max(1, Math.ceil((c.deniedUntil - now) / 1000)),
    };
  }

  /** Drops the subjects of ended windows; if that is not enough, all of them (Redis keeps the counts). */
  #prune(window: number): void {
    for (const [subject, c] of this.#counters)
      if (c.window < window && c.inflight === null) this.#counters.delete(subject);
    if (this.#counters.size >= MAX_COUNTERS) this.#counters.clear();
  }
}
