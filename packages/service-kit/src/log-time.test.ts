import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoTimeField } from './log-time.js';

describe('isoTimeField', () => {
  it("is pino's isoTime for any instant, called in any order", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 4_102_444_800_000 }), { maxLength: 50 }), (instants) => {
        for (const ms of [...instants, ...instants]) {
          expect(isoTimeField(ms)).toBe(`,"time":"${new Date(ms).toISOString()}"`);
        }
      }),
    );
  });

  it('follows the clock by default', () => {
    const before = Date.now();
    const field = isoTimeField();
    const ms = Date.parse(JSON.parse(`{${field.slice(1)}}`).time);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(Date.now());
  });
});
