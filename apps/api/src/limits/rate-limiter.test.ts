import { describe, expect, it } from 'vitest';
import { errorOf, memoryApp } from '../test/fixtures.js';
import { decide, MemoryRateLimiter } from './rate-limiter.js';

describe('sliding-window rate limiting', () => {
  const policy = { requests: 10, windowSeconds: 60 };

  it('allows up to the limit in a window, then refuses with the time to wait', () => {
    const limiter = new MemoryRateLimiter(policy);
    const t0 = 60_000 * 1000; // start of a window
    for (let i = 1; i <= 10; i++) {
      const d = limiter.hit('svc:a', t0 + i);
      expect(d.allowed).toBe(true);
      expect(d.remaining).toBe(10 - i);
    }
    const refused = limiter.hit('svc:a', t0 + 11);
    expect(refused).toMatchObject({ allowed: false, remaining: 0, limit: 10 });
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(60);
    expect(limiter.hit('svc:b', t0 + 12).allowed).toBe(true); // subjects are counted apart
  });

  it('weighs the previous window by its overlap', () => {
    // 10 hits in the previous window, 30% into the current one: 7 still count.
    expect(decide(policy, 3, 10, 60_000 * 5 + 18_000)).toMatchObject({ allowed: true, remaining: 0 });
    const d = decide(policy, 4, 10, 60_000 * 5 + 18_000);
    expect(d.allowed).toBe(false);
    // 4 + 10 * (1 - f) <= 10 once f >= 0.4: 6 s later.
    expect(d.retryAfterSeconds).toBe(6);
    const limiter = new MemoryRateLimiter(policy);
    for (let i = 0; i < 10; i++) limiter.hit('s', 60_000 * 7 + 1000);
    expect(limiter.hit('s', 60_000 * 8 + 1000).allowed).toBe(false); // previous window still weighs
    expect(limiter.hit('s', 60_000 * 8 + 50_000).allowed).toBe(true);
    expect(limiter.hit('s', 60_000 * 10).allowed).toBe(true); // a window with no hits before it
  });

  it('answers 429 CACHE_009 with Retry-After and RateLimit headers, never per X-Tenant-ID', async () => {
    const t = memoryApp({ limits: { rateLimit: { requests: 3, windowSeconds: 60 } } });
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await t.call('GET', '/api/v1/cache/k', { tenant: 'acme' }));
    expect(answers.map((r) => r.status)).toEqual([404, 404, 404, 429]);
    expect(answers[0]!.headers.get('ratelimit-limit')).toBe('3');
    expect(answers[0]!.headers.get('ratelimit-remaining')).toBe('2');
    expect(Number(answers[0]!.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
    const limited = answers[3]!;
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await errorOf(limited)).code).toBe('CACHE_009');
    // Auth off: one budget per client address; another X-Tenant-ID does not escape it.
    expect((await t.call('GET', '/api/v1/cache/k', { tenant: 'globex' })).status).toBe(429);
    // Liveness and health are not limited.
    for (let i = 0; i < 5; i++) expect((await t.call('GET', '/health/live')).status).toBe(200);
  });
});
