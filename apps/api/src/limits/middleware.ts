import { RateLimitError } from '@org/cache-core';
import type { Context, MiddlewareHandler, Next } from 'hono';
import type { AppEnv } from '../http/context.js';
import type { Logger } from '../logger.js';
import type { ApiMetrics } from '../metrics.js';
import { callerSubject } from './caller-subject.js';
import type { RateDecision, RateLimiter } from './rate-limiter.js';

const WARN_EVERY_MS = 10_000;

/**
 * Limits requests per principal (the token's service id) or, when auth is off, per client address
 * (the socket's peer: no header the client sets, such as X-Tenant-ID, picks the budget). Adds
 * the `RateLimit-*` headers; answers 429 CACHE_009 with `Retry-After` past the limit. If the
 * limiter's store fails, requests pass (fail open) and a warning is logged.
 */
export function rateLimit(
  limiter: RateLimiter,
  logger: Logger,
  metrics: ApiMetrics,
): MiddlewareHandler<AppEnv> {
  let lastWarning = 0;
  // the limit and the reset seconds rarely change: their header text is kept while they do not
  let limit = -1;
  let limitText = '';
  let reset = -1;
  let resetText = '';
  const apply = (c: Context<AppEnv>, decision: RateDecision, next: Next) => {
    const headers = c.get('headers');
    if (decision.limit !== limit) {
      limit = decision.limit;
      limitText = String(limit);
    }
    if (decision.resetSeconds !== reset) {
      reset = decision.resetSeconds;
      resetText = String(reset);
    }
    headers['ratelimit-limit'] = limitText;
    headers['ratelimit-remaining'] = String(decision.remaining);
    headers['ratelimit-reset'] = resetText;
    if (!decision.allowed) {
      metrics.rateLimited.inc();
      throw new RateLimitError(
        `rate limit exceeded: ${decision.limit} requests per ${limiter.policy.windowSeconds} s`,
        decision.retryAfterSeconds,
        { details: { limit: decision.limit, window_seconds: limiter.policy.windowSeconds } },
      );
    }
    return next();
  };
  const failOpen = (error: unknown, next: Next) => {
    const now = Date.now();
    if (now - lastWarning > WARN_EVERY_MS) {
      lastWarning = now;
      logger.warn(
        { err: { message: (error as Error).message } },
        'rate limiter unavailable; letting requests through',
      );
    }
    return next();
  };
  return (c, next) => {
    const principal = c.get('principal');
    // Never a header the client chooses: the token's service id, else the connection's peer.
    const subject = callerSubject(principal, c.env);
    let pending: RateDecision | Promise<RateDecision>;
    try {
      pending = limiter.hit(subject);
    } catch (error) {
      return failOpen(error, next);
    }
    // Decided locally (the usual case): no extra promise on the hot path.
    if (!(pending instanceof Promise)) return apply(c, pending, next);
    return pending.then(
      (decision) => apply(c, decision, next),
      (error) => failOpen(error, next),
    );
  };
}
