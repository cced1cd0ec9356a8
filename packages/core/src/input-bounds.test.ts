import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BoundsOptions,
  checkJsonDepth,
  checkMetadataBounds,
  checkReadingBounds,
  DEFAULT_MAX_FUTURE_SKEW_MS,
  INPUT_BOUNDS,
  inputProblemError,
  readingBoundsChecker,
} from './input-bounds.js';
import type { DeviceMetadata, Reading } from './models/device.js';
import { timestampFromMillis } from './timestamp.js';

const NOW = Date.UTC(2026, 0, 1);
const opts: BoundsOptions = { nowMs: NOW, maxFutureSkewMs: DEFAULT_MAX_FUTURE_SKEW_MS };

const reading = (over: Partial<Reading> = {}): Reading => ({
  device_id: 'dev-1',
  index: 'T',
  timestamp: timestampFromMillis(NOW - 1000),
  request_id: 'req',
  values: [21.5],
  labels: ['t'],
  display_names: null,
  metadata: { datatype_id: 'x', datatype_name: 'X', datatype_unit: '°C', persist: true, battery_ok: true },
  ...over,
});

const metadata = (over: Partial<DeviceMetadata> = {}): DeviceMetadata => ({
  device_id: 'dev-1',
  datatype_id: 'x',
  datatype_name: 'X',
  datatype_unit: null,
  persist: true,
  last_updated: timestampFromMillis(NOW),
  additional_properties: {},
  ...over,
});

function nested(depth: number, leaf: unknown = 1): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 ? { k: v } : [v];
  return v;
}

/** Reference depth, recursive (only for the small values of the property test). */
function depthOf(v: unknown): number {
  if (v === null || typeof v !== 'object') return 0;
  const children = Array.isArray(v) ? v : Object.values(v);
  return 1 + Math.max(0, ...children.map(depthOf));
}

describe('checkJsonDepth', () => {
  it('is iterative: 100,000 levels do not overflow the stack', () => {
    expect(checkJsonDepth(nested(100_000), 32)).toBe(false);
    expect(checkJsonDepth(nested(32), 32)).toBe(true);
    expect(checkJsonDepth(nested(33), 32)).toBe(false);
    expect(checkJsonDepth(5, 0)).toBe(true);
  });

  it('ends on a cyclic value (as too deep)', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    a.again = a;
    expect(checkJsonDepth(a, 32)).toBe(false);
  });

  it('agrees with a recursive reference on random JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 12 }), fc.integer({ min: 0, max: 14 }), (value, max) => {
        expect(checkJsonDepth(value, max)).toBe(depthOf(value) <= max);
      }),
      { numRuns: 500 },
    );
  });
});

describe('checkReadingBounds', () => {
  it('accepts a usual reading', () => {
    expect(checkReadingBounds(reading(), opts)).toBeNull();
  });

  it('names each problem with its reason and code', () => {
    const many: Record<string, unknown> = { datatype_id: 'x', datatype_name: 'X' };
    for (let i = 0; i < 5000; i++) many[`k${i}`] = i;
    const cases: [Partial<Reading>, string, string][] = [
      [{ values: [nested(9000)] }, 'value_too_deep', 'CACHE_007'],
      [{ metadata: many }, 'too_many_metadata_keys', 'CACHE_008'],
      [{ metadata: { ['k'.repeat(129)]: 1 } }, 'metadata_key_too_long', 'CACHE_008'],
      [
        { metadata: { big: 'x'.repeat(INPUT_BOUNDS.maxMetadataValueBytes) } },
        'metadata_value_too_large',
        'CACHE_008',
      ],
      [{ metadata: { deep: nested(40) } }, 'value_too_deep', 'CACHE_007'],
      [{ device_id: 'd'.repeat(257) }, 'id_too_long', 'CACHE_004'],
      [{ device_id: '' }, 'invalid_id', 'CACHE_004'],
      [{ device_id: 'a\u0000b' }, 'invalid_id', 'CACHE_004'],
      [{ device_id: 'a\ud800b' }, 'invalid_id', 'CACHE_004'],
      [{ index: 'i'.repeat(65) }, 'index_too_long', 'CACHE_004'],
      [
        { timestamp: timestampFromMillis(NOW + DEFAULT_MAX_FUTURE_SKEW_MS + 1000) },
        'timestamp_in_future',
        'CACHE_007',
      ],
      [{ timestamp: '9999-12-31T23:59:59.000000Z' }, 'timestamp_in_future', 'CACHE_007'],
      [{ timestamp: '2025-06-25T08:57:34' }, 'invalid_timestamp', 'CACHE_007'],
      [{ values: 'x' as never }, 'invalid_shape', 'CACHE_007'],
      [{ labels: [1] as never }, 'invalid_shape', 'CACHE_007'],
      [{ metadata: [] as never }, 'invalid_shape', 'CACHE_007'],
      [{ values: [1n] }, 'not_json', 'CACHE_007'],
      [{ metadata: { ['\ud800']: 1 } }, 'invalid_unicode', 'CACHE_007'],
      [{ metadata: { datatype_id: 'a\udc00', datatype_name: 'X' } }, 'invalid_unicode', 'CACHE_007'],
      [{ values: ['x'.repeat(INPUT_BOUNDS.maxMessageBytes)] }, 'message_too_large', 'CACHE_008'],
      [{ request_id: 'r'.repeat(1025) }, 'request_id_too_long', 'CACHE_008'],
      [{ metadata: JSON.parse('{"__proto__": 1}') }, 'metadata_key_reserved', 'CACHE_007'],
    ];
    for (const [over, reason, code] of cases) {
      const p = checkReadingBounds(reading(over), opts);
      expect(p, reason).toMatchObject({ reason, code });
      const error = inputProblemError(p!, { position: 3 });
      expect(error.code).toBe(code);
      expect(error.details).toMatchObject({ position: 3, reason, field: p!.field });
    }
  });

  it('checks every reading of a batch, whatever the reading before it held', () => {
    const check = readingBoundsChecker(opts);
    const meta = (extra: Record<string, unknown>) => ({ datatype_id: 'x', datatype_name: 'X', ...extra });
    expect(check(reading({ metadata: meta({ a: 1, b: 2 }) }))).toBeNull();
    expect(check(reading({ metadata: meta({ a: 1, ['\ud800']: 2 }) }))).toMatchObject({
      reason: 'invalid_unicode',
    });
    expect(check(reading({ metadata: meta({ a: 1, b: 'x'.repeat(20_000) }) }))).toMatchObject({
      reason: 'metadata_value_too_large',
    });
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, i]));
    expect(check(reading({ metadata: meta(many) }))).toMatchObject({ reason: 'too_many_metadata_keys' });
    expect(check(reading({ metadata: meta({ a: 1, b: 2 }) }))).toBeNull();
    // the same device and timestamp as the reading before, but bad elsewhere
    expect(check(reading({ values: [nested(40)] }))).toMatchObject({ reason: 'value_too_deep' });
    expect(check(reading({ index: 'i'.repeat(65) }))).toMatchObject({ reason: 'index_too_long' });
  });

  it('allows exactly the skew, and the skew is the caller’s', () => {
    const edge = reading({ timestamp: timestampFromMillis(NOW + DEFAULT_MAX_FUTURE_SKEW_MS) });
    expect(checkReadingBounds(edge, opts)).toBeNull();
    expect(checkReadingBounds(edge, { nowMs: NOW, maxFutureSkewMs: 0 })).toMatchObject({
      reason: 'timestamp_in_future',
    });
    // a huge skew never overflows the date range
    expect(
      checkReadingBounds(reading({ timestamp: '9999-12-31T23:59:59.000000Z' }), {
        nowMs: NOW,
        maxFutureSkewMs: 1e300,
      }),
    ).toBeNull();
  });

  it('never throws on hostile readings, and what it accepts is bounded, JSON-encodable data', () => {
    const check = readingBoundsChecker(opts);
    const hostileValue = fc.oneof(
      fc.anything({
        maxDepth: 4,
        withBigInt: true,
        withBoxedValues: true,
        withMap: true,
        withNullPrototype: true,
      }),
      fc.integer({ min: 0, max: 20_000 }).map((d) => nested(d)),
      fc.double(),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.bigInt().map((n) => [n]),
    );
    const hostileReading = fc.record({
      device_id: fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.anything({ maxDepth: 1 })),
      index: fc.oneof(fc.string({ unit: 'binary', maxLength: 70 }), fc.constant(null)),
      timestamp: fc.oneof(
        fc
          .date({ min: new Date(0), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true })
          .map((d) => timestampFromMillis(d)),
        fc.string(),
      ),
      request_id: fc.oneof(fc.constant(null), fc.string({ maxLength: 300 })),
      values: fc.oneof(fc.array(hostileValue, { maxLength: 5 }), hostileValue),
      labels: fc.oneof(fc.constant(null), fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 3 })),
      display_names: fc.oneof(fc.constant(null), fc.array(fc.string(), { maxLength: 3 })),
      metadata: fc.oneof(
        fc.constant(null),
        fc.dictionary(fc.string({ unit: 'binary', maxLength: 140 }), hostileValue, { maxKeys: 80 }),
        fc
          .integer({ min: 60, max: 6_000 })
          .map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]))),
      ),
    });
    fc.assert(
      fc.property(hostileReading, (r) => {
        const p = check(r as unknown as Reading);
        if (p !== null) {
          expect(['CACHE_004', 'CACHE_007', 'CACHE_008']).toContain(p.code);
          return;
        }
        const ok = r as unknown as Reading;
        const json = JSON.stringify(ok); // must not throw (no bigint, no stack overflow)
        expect(json.length).toBeLessThan(8 * INPUT_BOUNDS.maxMessageBytes);
        expect(checkJsonDepth(ok.values, INPUT_BOUNDS.maxValueDepth)).toBe(true);
        expect(ok.device_id.length).toBeLessThanOrEqual(INPUT_BOUNDS.deviceIdMaxLength);
        expect(ok.index.length).toBeLessThanOrEqual(INPUT_BOUNDS.indexMaxLength);
        if (ok.metadata !== null) {
          const keys = Object.keys(ok.metadata);
          expect(keys.length).toBeLessThanOrEqual(INPUT_BOUNDS.maxMetadataKeys + 5);
          for (const k of keys) {
            expect(k.length).toBeLessThanOrEqual(INPUT_BOUNDS.maxMetadataKeyLength);
            expect(checkJsonDepth(ok.metadata[k], INPUT_BOUNDS.maxValueDepth)).toBe(true);
          }
        }
        expect(ok.timestamp <= timestampFromMillis(NOW + DEFAULT_MAX_FUTURE_SKEW_MS)).toBe(true);
      }),
      { numRuns: 1_000 },
    );
  });
});

describe('checkMetadataBounds', () => {
  it('checks ids, fields, extra keys and last_updated', () => {
    expect(checkMetadataBounds(metadata(), opts)).toBeNull();
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, i]));
    expect(checkMetadataBounds(metadata({ additional_properties: many }), opts)).toMatchObject({
      reason: 'too_many_metadata_keys',
    });
    expect(
      checkMetadataBounds(metadata({ additional_properties: { ...many, k64: undefined } as never }), opts),
    ).toMatchObject({ reason: 'too_many_metadata_keys' });
    const sixtyFour = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`k${i}`, i]));
    expect(checkMetadataBounds(metadata({ additional_properties: sixtyFour }), opts)).toBeNull();
    expect(
      checkMetadataBounds(metadata({ last_updated: '9999-01-01T00:00:00.000000Z' }), opts),
    ).toMatchObject({
      reason: 'timestamp_in_future',
      code: 'CACHE_007',
    });
    expect(checkMetadataBounds(metadata({ datatype_name: 'x'.repeat(20_000) }), opts)).toMatchObject({
      reason: 'metadata_value_too_large',
    });
    expect(checkMetadataBounds(metadata({ device_id: 'x'.repeat(300) }), opts)).toMatchObject({
      reason: 'id_too_long',
    });
    expect(checkMetadataBounds(metadata({ datatype_id: 5 as never }), opts)).toMatchObject({
      reason: 'invalid_shape',
    });
  });
});
