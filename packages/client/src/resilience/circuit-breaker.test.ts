import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BREAKER_BUCKETS, CircuitBreaker } from './circuit-breaker.js';

/**
 * Reference model of the rules, written plainly: every outcome kept with its time; the window is
 * the outcomes whose bucket (time / (window / BUCKETS)) is among the last BUCKETS buckets.
 */
class ModelBreaker {
  events: { t: number; ok: boolean }[] = [];
  state: 'closed' | 'open' | 'half-open' = 'closed';
  openedAt = 0;
  probing = false;
  constructor(
    readonly threshold: number,
    readonly windowMs: number,
    readonly minRequests: number,
    readonly openMs: number,
  ) {}
  admit(now: number): boolean {
    if (this.state === 'closed') return true;
    if (this.state === 'open') {
      if (now - this.openedAt < this.openMs) return false;
      this.state = 'half-open';
      this.probing = false;
    }
    if (this.probing) return false;
    this.probing = true;
    return true;
  }
  record(now: number, ok: boolean): void {
    if (this.state === 'half-open') {
      this.probing = false;
      if (ok) {
        this.state = 'closed';
        this.events = [];
      } else this.open(now);
      return;
    }
    if (this.state === 'open') return;
    this.events.push({ t: now, ok });
    if (ok) return;
    const size = this.windowMs / BREAKER_BUCKETS;
    const bucket = Math.floor(now / size);
    const inWindow = this.events.filter((e) => Math.floor(e.t / size) > bucket - BREAKER_BUCKETS);
    const failures = inWindow.filter((e) => !e.ok).length;
    if (inWindow.length >= this.minRequests && failures >= this.threshold * inWindow.length) this.open(now);
  }
  open(now: number): void {
    this.state = 'open';
    this.openedAt = now;
    this.probing = false;
  }
}

const step = fc.record({
  advanceMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 20_000 })),
  ok: fc.boolean(),
  // a call admitted may finish later (outcome recorded after other calls were admitted)
  pending: fc.boolean(),
});

describe('CircuitBreaker', () => {
  it('opens, refuses and probes exactly as the reference model of the window/threshold rules', () => {
    fc.assert(
      fc.property(
        fc.record({
          threshold: fc.double({ min: 0.05, max: 1, noNaN: true }),
          window: fc.integer({ min: 1, max: 60 }),
          minRequests: fc.integer({ min: 1, max: 30 }),
          openSeconds: fc.integer({ min: 0, max: 5 }),
        }),
        fc.array(step, { maxLength: 400 }),
        (settings, steps) => {
          let now = 1_000_000;
          const breaker = new CircuitBreaker({
            threshold: settings.threshold,
            window: settings.window,
            min_requests: settings.minRequests,
            open_seconds: settings.openSeconds,
            now: () => now,
          });
          const model = new ModelBreaker(
            settings.threshold,
            settings.window * 1000,
            settings.minRequests,
            settings.openSeconds * 1000,
          );
          const inFlight: boolean[] = [];
          for (const s of steps) {
            now += s.advanceMs;
            const admitted = breaker.admit();
            expect(admitted).toBe(model.admit(now));
            if (admitted && s.pending) inFlight.push(s.ok);
            else if (admitted) {
              breaker.record(s.ok);
              model.record(now, s.ok);
            } else if (inFlight.length > 0) {
              const ok = inFlight.shift()!;
              breaker.record(ok);
              model.record(now, ok);
            }
            expect(breaker.state).toBe(
              model.state === 'open' && now - model.openedAt >= model.openMs ? 'half-open' : model.state,
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('stays closed below min_requests however many of them fail', () => {
    let now = 0;
    const breaker = new CircuitBreaker({ min_requests: 20, now: () => now });
    for (let i = 0; i < 19; i++) {
      expect(breaker.admit()).toBe(true);
      breaker.record(false);
      now += 10;
    }
    expect(breaker.state).toBe('closed');
    breaker.record(false);
    expect(breaker.state).toBe('open');
    expect(breaker.admit()).toBe(false);
    const error = breaker.unavailable('getReadings');
    expect(error.code).toBe('CACHE_006');
    expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  });

  it('forgets failures older than the window', () => {
    let now = 0;
    const breaker = new CircuitBreaker({ min_requests: 4, window: 10, now: () => now });
    for (let i = 0; i < 3; i++) breaker.record(false);
    now += 11_000;
    breaker.record(false);
    expect(breaker.state).toBe('closed');
  });

  it('refuses bad settings', () => {
    expect(() => new CircuitBreaker({ threshold: 0 })).toThrow(RangeError);
    expect(() => new CircuitBreaker({ threshold: 1.5 })).toThrow(RangeError);
    expect(() => new CircuitBreaker({ window: 0 })).toThrow(RangeError);
    expect(() => new CircuitBreaker({ min_requests: 0.5 })).toThrow(RangeError);
  });
});
