import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CacheEvent,
  checkCorrelationId,
  checkEventId,
  comparePositions,
  decodeCacheEvent,
  formatEventId,
  parseEventId,
} from './cache-event.js';

const position = fc.record({
  ms: fc.integer({ min: 0, max: 2 ** 45 }),
  seq: fc.integer({ min: 0, max: 2 ** 31 }),
  source: fc.oneof(
    fc.integer({ min: 0, max: 63 }).map((b) => `d${b}`),
    fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,20}$/).map((t) => `t.${t}`),
    fc.constant('g'),
  ),
});

describe('event ids', () => {
  it('round-trips every position', () => {
    fc.assert(
      fc.property(position, (p) => {
        expect(parseEventId(formatEventId(p))).toEqual(p);
      }),
    );
  });

  it('never throws on hostile input and accepts only the documented form', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.anything()), (value) => {
        const parsed = parseEventId(value);
        if (parsed !== null) expect(formatEventId(parsed)).toBe(value);
        if (parsed === null && value != null)
          expect(() => checkEventId(value)).toThrow(expect.objectContaining({ code: 'CACHE_007' }));
      }),
    );
    for (const bad of ['1-0', '01-0-g', '1-0-t.', '1-0-t.a}b', '1-0-x', '99999999999999999-0-g', ' 1-0-g']) {
      expect(parseEventId(bad), bad).toBeNull();
    }
  });

  it('orders positions totally: by ms, then seq, then source', () => {
    fc.assert(
      fc.property(position, position, position, (a, b, c) => {
        expect(Math.sign(comparePositions(a, b))).toBe(-Math.sign(comparePositions(b, a)));
        if (comparePositions(a, b) <= 0 && comparePositions(b, c) <= 0) {
          expect(comparePositions(a, c)).toBeLessThanOrEqual(0);
        }
        if (a.ms < b.ms) expect(comparePositions(a, b)).toBeLessThan(0);
      }),
    );
  });
});

describe('decodeCacheEvent', () => {
  it('builds the document shape from stream fields', () => {
    const device = decodeCacheEvent('1700000000123-4', 'd5', [
      'o',
      'upsert',
      'd',
      'dev',
      'i',
      'T\tU\t',
      's',
      'svc',
    ]);
    expect(CacheEvent.parse(device)).toEqual({
      id: '1700000000123-4-d5',
      event: 'cache.item.updated',
      version: '1.0',
      correlation_id: null,
      data: {
        key: 'dev',
        operation: 'upsert',
        timestamp: '2023-11-14T22:13:20.123Z',
        service_id: 'svc',
        kind: 'device',
        device_id: 'dev',
        indexes: ['T', 'U'],
      },
    });
    const kv = decodeCacheEvent('1-0', 't.acme', [
      'o',
      'delete',
      't',
      'acme',
      'k',
      'x',
      's',
      's',
      'c',
      'req',
    ]);
    expect(kv.data).toMatchObject({ kind: 'kv', tenant: 'acme', key: 'x', operation: 'delete' });
    expect(kv.correlation_id).toBe('req');
    expect(decodeCacheEvent('1-0', 'g', ['o', 'flush', 's', 's']).data).toMatchObject({
      kind: 'cache',
      key: '*',
    });
  });
});

describe('checkCorrelationId', () => {
  it('takes null, undefined and plain strings up to 1,024 characters', () => {
    expect(checkCorrelationId(undefined)).toBeNull();
    expect(checkCorrelationId(null)).toBeNull();
    expect(checkCorrelationId('x'.repeat(1024))).toHaveLength(1024);
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 200 }), (s) => {
        fc.pre(!/[\u0000-\u001f\u007f]/.test(s) && !/\p{Cs}/u.test(s));
        expect(checkCorrelationId(s)).toBe(s);
      }),
    );
  });

  it('refuses anything else with CACHE_007', () => {
    const hostile = fc.oneof(
      fc.constant(''),
      fc.string({ minLength: 1025, maxLength: 1200 }),
      fc.string().map((s) => `${s}\n`),
      fc.constant('a\uDC00'),
      fc.integer(),
      fc.object(),
      fc.boolean(),
    );
    fc.assert(
      fc.property(hostile, (value) => {
        expect(() => checkCorrelationId(value)).toThrow(expect.objectContaining({ code: 'CACHE_007' }));
      }),
    );
  });
});
