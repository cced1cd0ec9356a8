import { type CacheError, ErrorCode, TimeoutError, UnavailableError, ValidationError } from '@org/cache-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Resilience } from './resilience.js';
import { backoffDelayMs, shouldRetry } from './retry-policy.js';

type Outcome = 'ok' | 'transient' | 'timeout' | 'permanent';
const failureOf = (o: Exclude<Outcome, 'ok'>): CacheError =>
  o === 'transient'
    ? new UnavailableError('Redis is unavailable (get)')
    : o === 'timeout'
      ? new TimeoutError('Redis did not answer get in time')
      : new ValidationError('bad id');

describe('retry policy', () => {
  it('backoff is full jitter under min(max, base * 2^attempt), never negative', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 60_000 }),
        fc.double({ min: 0, max: 0.999_999, noNaN: true }),
        (attempt, base, max, random) => {
          const delay = backoffDelayMs(attempt, { backoff_base_ms: base, backoff_max_ms: max }, random);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(Math.min(max, base * 2 ** Math.min(attempt, 30)));
          expect(Number.isInteger(delay)).toBe(true);
        },
      ),
    );
    expect(backoffDelayMs(5, { backoff: 'none' }, 0.9)).toBe(0);
  });

  it('retries only idempotent calls, only transient non-timeout failures, at most `retry` times', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom<Outcome>('ok', 'transient', 'timeout', 'permanent'), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.integer({ min: 0, max: 4 }),
        fc.boolean(),
        async (outcomes, retry, idempotent) => {
          const guard = new Resilience({ retry, backoff: 'none', circuit_breaker: false }, () => false);
          let calls = 0;
          const fn = async () => {
            const o = outcomes[Math.min(calls++, outcomes.length - 1)]!;
            if (o === 'ok') return 'value';
            throw failureOf(o);
          };
          // the reference: walk the outcomes with the rules
          let expectedCalls = 0;
          let expected: Outcome = 'ok';
          for (let attempt = 0; ; attempt++) {
            expectedCalls++;
            expected = outcomes[Math.min(attempt, outcomes.length - 1)]!;
            if (expected === 'ok') break;
            if (!(idempotent && expected === 'transient' && attempt < retry)) break;
          }
          const result = await guard.call('get', idempotent, fn, null, []).then(
            (v) => v,
            (e: CacheError) => e.code,
          );
          expect(calls).toBe(expectedCalls);
          expect(result).toBe(expected === 'ok' ? 'value' : failureOf(expected).code);
        },
      ),
    );
  });

  it('does not retry a fast "unavailable" (open breaker, connection down) nor anything after the last try', () => {
    const open = new UnavailableError('open', { details: { reason: 'circuit_open' } });
    const down = new UnavailableError('down', { details: { reason: 'connection_down' } });
    expect(shouldRetry(open, true, 0, 3)).toBe(false);
    expect(shouldRetry(down, true, 0, 3)).toBe(false);
    expect(shouldRetry(new UnavailableError('x'), true, 3, 3)).toBe(false);
    expect(shouldRetry(new UnavailableError('x'), true, 2, 3)).toBe(true);
    expect(shouldRetry(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), true, 0, 3)).toBe(true);
  });
});

describe('Resilience guard', () => {
  it('answers CACHE_006 at once while the connection is down, without calling the backend', async () => {
    let down = true;
    let calls = 0;
    const guard = new Resilience({}, () => down);
    const error = await guard.call('get', true, async () => ++calls, null, []).catch((e: CacheError) => e);
    expect((error as CacheError).code).toBe(ErrorCode.UNAVAILABLE);
    expect((error as CacheError).retryAfterSeconds).toBe(1);
    expect(calls).toBe(0);
    expect(guard.state().refusing).toBe('connection_down');
    down = false;
    expect(await guard.call('get', true, async () => ++calls, null, [])).toBe(1);
  });

  it('opens the breaker on transient failures (not on refused input) and refuses with Retry-After', async () => {
    let now = 0;
    const guard = new Resilience(
      { retry: 0, circuit_breaker: { min_requests: 4, open_seconds: 2, now: () => now } },
      () => false,
    );
    const fail = (e: CacheError) => async () => {
      throw e;
    };
    for (let i = 0; i < 10; i++)
      await guard.call('get', true, fail(new ValidationError('bad')), null, []).catch(() => {});
    expect(guard.state().breaker).toBe('closed');
    for (let i = 0; i < 10; i++)
      await guard.call('get', true, fail(new UnavailableError('down')), null, []).catch(() => {});
    expect(guard.state()).toEqual({ breaker: 'open', refusing: 'circuit_open' });
    const refused = (await guard.call('get', true, async () => 1, null, []).catch((e) => e)) as CacheError;
    expect(refused.details.reason).toBe('circuit_open');
    expect(refused.retryAfterSeconds).toBe(2);
    now += 2_000;
    expect(await guard.call('get', true, async () => 'probe', null, [])).toBe('probe');
    expect(guard.state().breaker).toBe('closed');
  });
});
