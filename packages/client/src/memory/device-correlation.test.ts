import {
  CORRELATION_ID_MAX_LENGTH,
  checkCorrelationId,
  coalesceReadings,
  type Reading,
} from '@org/cache-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deviceCorrelationIds, isCorrelationId } from './device-correlation.js';

const BASE = Date.UTC(2025, 5, 25);
const reading = (device: string, index: string, second: number): Reading => ({
  device_id: device,
  index,
  timestamp: new Date(BASE + second * 1000).toISOString().replace('Z', '000Z'),
  request_id: null,
  values: [second],
  labels: null,
  display_names: null,
  metadata: null,
});

/** Hostile ids: control characters, lone surrogates, empty, over-long, non-strings. */
const hostileId = fc.oneof(
  fc.string({ maxLength: 40, unit: 'binary' }),
  fc.string({ minLength: CORRELATION_ID_MAX_LENGTH - 2, maxLength: CORRELATION_ID_MAX_LENGTH + 3 }),
  fc.constantFrom('', '\u0000', 'a\nb', '\ud800', 'x\u007f', 'ok-id'),
  fc.constant(null),
  fc.constant(undefined),
  fc.integer() as fc.Arbitrary<unknown>,
);

describe('isCorrelationId', () => {
  it('accepts exactly what checkCorrelationId accepts (without throwing)', () => {
    fc.assert(
      fc.property(hostileId, (id) => {
        let valid: boolean;
        try {
          valid = checkCorrelationId(id) !== null;
        } catch {
          valid = false;
        }
        expect(isCorrelationId(id)).toBe(valid);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('deviceCorrelationIds', () => {
  it('is null without per-reading ids (the usual write pays nothing)', () => {
    const rs = [reading('a', 'T', 1)];
    expect(deviceCorrelationIds(rs, coalesceReadings(rs).devices, undefined)).toBeNull();
    expect(deviceCorrelationIds(rs, coalesceReadings(rs).devices, { correlationId: 'c' })).toBeNull();
  });

  it("gives each device the id of its newest reading's message", () => {
    const rs = [reading('a', 'T', 3), reading('a', 'U', 5), reading('b', 'T', 2), reading('a', 'T', 4)];
    const ids = ['m0', 'm1', 'm2', 'm3'];
    const devices = coalesceReadings(rs).devices;
    const out = deviceCorrelationIds(rs, devices, { correlationIds: ids })!;
    expect(Object.fromEntries(devices.map((d, i) => [d.deviceId, out[i]]))).toEqual({ a: 'm1', b: 'm2' });
  });

  it('hostile ids are replaced by the fallback (""), never refused; a valid one is kept as it is', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            device: fc.constantFrom('a', 'b', 'c'),
            index: fc.constantFrom('T', 'U'),
            second: fc.integer({ min: 0, max: 5 }),
            id: hostileId,
          }),
          { minLength: 1, maxLength: 30 },
        ),
        (items) => {
          const rs = items.map((x) => reading(x.device, x.index, x.second));
          const ids = items.map((x) => x.id) as (string | null | undefined)[];
          const devices = coalesceReadings(rs).devices;
          const out = deviceCorrelationIds(rs, devices, { correlationIds: ids })!;
          expect(out).toHaveLength(devices.length);
          devices.forEach((d, k) => {
            // the device's newest reading in the call; on equal timestamps the later one
            let at = -1;
            rs.forEach((r, i) => {
              if (r.device_id === d.deviceId && (at < 0 || rs[at]!.timestamp <= r.timestamp)) at = i;
            });
            const want = ids[at];
            expect(out[k]).toBe(isCorrelationId(want) ? want : '');
          });
        },
      ),
      { numRuns: 500 },
    );
  });
});
