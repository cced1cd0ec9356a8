import { RateLimitError } from '@org/cache-core';
import type { Context, MiddlewareHandler, Next } from 'hono';
import { type AppEnv, remoteAddress, requestHeader } from '../http/context.js';
import type { Logger } from '../logger.js';
import type { ApiMetrics } from '../metrics.js';
import type { RateDecision, RateLimiter } from './rate-limiter.js';

const TENANT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const WARN_EVERY_MS = 10_000;

/**
 * Limits requests per token (service id), else per `X-Tenant-ID`, else per client address. Adds
 * the `RateLimit-*` headers; answers 429 CACHE_009 with `Retry-After` past the limit. If the
 * limiter's store fails, requests pass (fail open) and a warning is logged.
 */
export function rateLimit(
  limiter: RateLimiter,
  logger: Logger,
  metrics: ApiMetrics,
): MiddlewareHandler<AppEnv> {
  let lastWarning = 0;
  const apply = (c: Context<AppEnv>, decision: RateDecision, next: Next) => {
    const headers = c.get('headers');
    headers['ratelimit-limit'] = String(decision.limit);
    headers['ratelimit-remaining'] = String(decision.remaining);
    headers['ratelimit-reset'] = String(decision.resetSeconds);
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
    let subject: string;
    if (principal.kind !== 'anonymous') subject = `svc:${principal.id}`;
    else {
      const tenant = requestHeader(c, 'x-tenant-id');
      subject =
        tenant !== undefined && TENANT.test(tenant) ? `tenant:${tenant}` : `ip:${remoteAddress(c.env)}`;
    }
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
