import { ErrorCode, RateLimitError } from '@org/cache-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EVENT_READER_RETRY_SECONDS, EventReaderSlots } from './event-readers.js';

describe('EventReaderSlots', () => {
  it('refuses a caller past its share and everyone past the process limit, with 429 and Retry-After', () => {
    const slots = new EventReaderSlots({ perProcess: 3, perCaller: 2 });
    const a1 = slots.take('svc:a');
    slots.take('svc:a');
    let refused: unknown;
    try {
      slots.take('svc:a');
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(RateLimitError);
    expect((refused as RateLimitError).code).toBe(ErrorCode.RATE_LIMITED);
    expect((refused as RateLimitError).retryAfterSeconds).toBe(EVENT_READER_RETRY_SECONDS);
    slots.take('svc:b'); // another caller still gets the last slot
    expect(() => slots.take('svc:c')).toThrow(/most change-feed readers \(3\)/);
    a1();
    a1(); // a second release frees nothing more
    expect(slots.inUse).toBe(2);
    slots.take('svc:c');
    expect(() => slots.take('svc:c')).toThrow(RateLimitError);
  });

  it('never holds more than its limits, and frees every slot (random takes and releases)', () => {
    const op = fc.oneof(
      fc.record({ take: fc.constantFrom('svc:a', 'svc:b', 'ip:1.2.3.4', '', '__proto__', 'constructor') }),
      fc.record({ release: fc.nat(), twice: fc.boolean() }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 8 }),
        fc.array(op, { maxLength: 200 }),
        (perProcess, perCaller, ops) => {
          const slots = new EventReaderSlots({ perProcess, perCaller });
          const held: { subject: string; release: () => void }[] = [];
          const model = new Map<string, number>();
          for (const o of ops) {
            if ('take' in o) {
              const mine = model.get(o.take) ?? 0;
              const allowed = mine < perCaller && held.length < perProcess;
              let release: (() => void) | undefined;
              try {
                release = slots.take(o.take);
              } catch (error) {
                expect(error).toBeInstanceOf(RateLimitError);
              }
              expect(release !== undefined).toBe(allowed);
              if (release) {
                held.push({ subject: o.take, release });
                model.set(o.take, mine + 1);
              }
            } else if (held.length > 0) {
              const [h] = held.splice(o.release % held.length, 1);
              h!.release();
              if (o.twice) h!.release();
              model.set(h!.subject, model.get(h!.subject)! - 1);
            }
            expect(slots.inUse).toBe(held.length);
            expect(slots.inUse).toBeLessThanOrEqual(perProcess);
            for (const [subject, n] of model) expect(slots.heldBy(subject)).toBe(n);
          }
          for (const h of held) h.release();
          expect(slots.inUse).toBe(0);
          for (const subject of model.keys()) expect(slots.heldBy(subject)).toBe(0);
        },
      ),
    );
  });
});
