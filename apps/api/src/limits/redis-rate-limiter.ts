import type { KeyScheme } from '@org/cache-core';
import type { Cluster, Redis } from 'ioredis';
import { decide, type RateDecision, type RateLimiter, type RateLimitPolicy } from './rate-limiter.js';

const COMMAND = 'cacheApiRateAdd';

/** Adds n hits to the current window (expiring it) and reads the previous window, in one round trip. */
const ADD_LUA = `
local c = redis.call('INCRBY', KEYS[1], ARGV[1])
if c == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
local p = redis.call('GET', KEYS[2])
return {c, tonumber(p) or 0}
`;

type AddCall = (current: string, previous: string, hits: number, ttlMs: number) => Promise<[number, number]>;

interface Counter {
  subject: string;
  window: number;
  /** The window's count in Redis as last read: every instance's hits, ours included. */
  shared: number;
  /** The previous window's count in Redis. */
  previous: number;
  /** Our hits not sent to Redis yet. */
  pending: number;
  /** The first round trip of this subject and window (decisions wait for it). */
  ready: Promise<void> | null;
}

export interface RedisRateLimiterOptions {
  /** How often local hits are added to Redis (default 50 ms): the lag before other instances see them. */
  syncMs?: number;
}

/**
 * Sliding-window counters in Redis (`ratelimit:{subject}:<window>` from the key scheme), shared by
 * every API instance on the same Redis. The first request of a subject in a window asks Redis;
 * later ones are decided locally from Redis's last count plus this instance's own hits, which are
 * added to Redis in one pipelined round every `syncMs`. So one instance counts exactly, several
 * instances see each other's hits within `syncMs`, and a request costs no Redis round trip.
 */
export class RedisRateLimiter implements RateLimiter {
  readonly policy: RateLimitPolicy;
  readonly #keys: KeyScheme;
  readonly #add: AddCall;
  readonly #syncMs: number;
  readonly #counters = new Map<string, Counter>();
  /** Counters of ended windows that still hold unsent hits. */
  #retired: Counter[] = [];
  #timer: NodeJS.Timeout | null = null;

  constructor(
    redis: Redis | Cluster,
    keys: KeyScheme,
    policy: RateLimitPolicy,
    options: RedisRateLimiterOptions = {},
  ) {
    this.policy = policy;
    this.#keys = keys;
    this.#syncMs = options.syncMs ?? 50;
    const commands = redis as unknown as Record<string, unknown>;
    if (typeof commands[COMMAND] !== 'function')
      redis.defineCommand(COMMAND, { numberOfKeys: 2, lua: ADD_LUA });
    const fn = commands[COMMAND] as (...args: (string | number)[]) => Promise<[number, number]>;
    this.#add = (current, previous, hits, ttlMs) => fn.call(redis, current, previous, hits, ttlMs);
  }

  hit(subject: string, now = Date.now()): RateDecision | Promise<RateDecision> {
    const window = Math.floor(now / (this.policy.windowSeconds * 1000));
    let counter = this.#counters.get(subject);
    if (counter === undefined || counter.window !== window) {
      if (counter !== undefined && counter.pending > 0) this.#retired.push(counter);
      counter = { subject, window, shared: 0, previous: 0, pending: 0, ready: null };
      this.#counters.set(subject, counter);
      counter.pending++;
      const c = counter;
      c.ready = this.#sync(c).finally(() => {
        c.ready = null;
      });
      return c.ready.then(() => decide(this.policy, c.shared + c.pending, c.previous, now));
    }
    counter.pending++;
    this.#schedule();
    const c = counter;
    if (c.ready !== null)
      return c.ready.then(() => decide(this.policy, c.shared + c.pending, c.previous, now));
    return decide(this.policy, c.shared + c.pending, c.previous, now);
  }

  /** Sends every pending hit now (also on a timer). */
  async flush(): Promise<void> {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const due = this.#retired;
    this.#retired = [];
    let waiting = false;
    for (const c of this.#counters.values()) {
      if (c.pending === 0) continue;
      if (c.ready === null) due.push(c);
      else waiting = true; // its first round trip is still out: next time
    }
    if (waiting) this.#schedule();
    await Promise.all(due.map((c) => this.#sync(c)));
    if (this.#counters.size > 10_000) this.#prune();
  }

  async #sync(c: Counter): Promise<void> {
    const hits = c.pending;
    c.pending = 0;
    const windowMs = this.policy.windowSeconds * 1000;
    try {
      const [shared, previous] = await this.#add(
        this.#keys.rateLimit(c.subject, c.window),
        this.#keys.rateLimit(c.subject, c.window - 1),
        hits,
        windowMs * 2 + 1000,
      );
      c.shared = Math.max(c.shared, shared);
      c.previous = previous;
    } catch (error) {
      c.pending += hits; // keep counting locally; the next round retries
      throw error;
    }
  }

  #schedule(): void {
    if (this.#timer !== null) return;
    this.#timer = setTimeout(() => void this.flush().catch(() => {}), this.#syncMs);
    this.#timer.unref();
  }

  #prune(): void {
    const window = Math.floor(Date.now() / (this.policy.windowSeconds * 1000));
    for (const [subject, c] of this.#counters)
      if (c.window < window && c.pending === 0) this.#counters.delete(subject);
  }
}
