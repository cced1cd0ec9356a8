import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CacheError, StoredValueError, ValidationError } from '../errors.js';
import type { JsonValue } from '../models/cache-entry.js';
import { parseKeyRing } from './key-ring.js';
import {
  decodeStoredValue,
  encodeStoredValue,
  isStoredFrame,
  resolveCodecSettings,
  STORED_VALUE_MARK,
  type ValueCodecSettings,
} from './stored-value.js';

const k1 = randomBytes(32).toString('base64');
const k2 = randomBytes(32).toString('hex');
const ring = parseKeyRing(`k2:${k2},k1:${k1}`);
const place = { tenant: 'acme', key: 'user:42' };
const settings = (over: ValueCodecSettings = {}) => resolveCodecSettings({ keyRing: ring, ...over });

/** What a transport does: store the text, JSON-parse it on read. */
const roundTrip = (value: JsonValue, request = {}, s = settings(), at = place) => {
  const { stored, applied } = encodeStoredValue(JSON.stringify(value), at, request, s);
  return { value: decodeStoredValue(JSON.parse(stored) as JsonValue, at, s), stored, applied };
};

const big = { readings: Array.from({ length: 200 }, (_, i) => ({ id: `sensor-${i}`, t: 21.5, unit: '°C' })) };

describe('stored-value codec', () => {
  it('stores small values as plain JSON and compresses large ones (zstd by default)', () => {
    const small = roundTrip({ a: 1 });
    expect(small.stored).toBe('{"a":1}');
    expect(small.applied).toMatchObject({ compression: 'none', encryption: 'none' });
    const large = roundTrip(big);
    expect(large.value).toEqual(big);
    expect(large.applied.compression).toBe('zstd');
    expect(large.applied.stored_bytes).toBeLessThan(large.applied.value_bytes / 4);
    expect(isStoredFrame(JSON.parse(large.stored))).toBe(true);
    const brotli = roundTrip(big, {}, settings({ compressionAlgorithm: 'brotli' }));
    expect(brotli.applied.compression).toBe('brotli');
    expect(brotli.value).toEqual(big);
    expect(roundTrip(big, { compression: false }).applied.compression).toBe('none');
  });

  it('encrypts with the active key, binds tenant and key, and reads entries of an older key', () => {
    const secret = { card: '4111-1111-1111-1111' };
    const enc = roundTrip(secret, { encryption: true });
    expect(enc.value).toEqual(secret);
    expect(enc.applied).toMatchObject({ encryption: 'aes-256-gcm', key_id: 'k2' });
    expect(enc.stored).not.toContain('4111');
    const s = settings();
    const moved = JSON.parse(enc.stored) as JsonValue;
    for (const other of [
      { tenant: 'other', key: 'user:42' },
      { tenant: 'acme', key: 'user:43' },
    ]) {
      const error = catchError(() => decodeStoredValue(moved, other, s));
      expect(error).toBeInstanceOf(StoredValueError);
      expect(error).toMatchObject({ code: 'CACHE_010', details: { reason: 'decrypt_failed' } });
    }
    // rotation: k1 becomes active, k2 entries still read; a ring without k2 refuses clearly
    const rotated = resolveCodecSettings({ keyRing: parseKeyRing(`k1:${k1},k2:${k2}`) });
    expect(decodeStoredValue(moved, place, rotated)).toEqual(secret);
    const withoutK2 = resolveCodecSettings({ keyRing: parseKeyRing(`k1:${k1}`) });
    expect(catchError(() => decodeStoredValue(moved, place, withoutK2))).toMatchObject({
      details: { reason: 'unknown_key_id' },
    });
    expect(catchError(() => decodeStoredValue(moved, place, resolveCodecSettings()))).toMatchObject({
      details: { reason: 'encryption_not_configured' },
    });
  });

  it('refuses encryption without a key ring (CACHE_007), never writing plaintext', () => {
    const error = catchError(() =>
      encodeStoredValue('{"a":1}', place, { encryption: true }, resolveCodecSettings()),
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ code: 'CACHE_007', details: { reason: 'encryption_not_configured' } });
    expect(() => resolveCodecSettings({ encryptByDefault: true })).toThrow(ValidationError);
  });

  it('frames a plain string that starts with the mark, so it never reads as a frame', () => {
    const tricky = `${STORED_VALUE_MARK}1nnAAAA`;
    expect(roundTrip(tricky).value).toBe(tricky);
    expect(roundTrip([tricky]).value).toEqual([tricky]);
  });

  it('round-trips any JSON value under any settings and request', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 6 }),
        fc.record({
          compression: fc.option(fc.boolean(), { nil: undefined }),
          encryption: fc.option(fc.boolean(), { nil: undefined }),
        }),
        fc.record({
          compressionThreshold: fc.integer({ min: 0, max: 2048 }),
          compressionAlgorithm: fc.constantFrom('zstd' as const, 'brotli' as const),
          compressByDefault: fc.boolean(),
        }),
        (value, request, over) => {
          const v = JSON.parse(JSON.stringify(value)) as JsonValue; // -0 and the like as JSON has them
          const s = settings(over);
          const out = roundTrip(v, request, s);
          expect(out.value).toEqual(v);
          if (request.encryption) expect(out.applied.encryption).toBe('aes-256-gcm');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a tampered frame fails with a StoredValueError, never anything else', () => {
    const s = settings();
    const enc = JSON.parse(roundTrip(big, { encryption: true }).stored) as string;
    const zip = JSON.parse(roundTrip(big).stored) as string;
    fc.assert(
      fc.property(
        fc.constantFrom(enc, zip),
        fc.nat(),
        fc.string({ minLength: 1, maxLength: 3 }),
        (frame, at, insert) => {
          const i = 1 + (at % (frame.length - 1)); // the mark stays: it is still a frame
          const tampered = frame.slice(0, i) + insert + frame.slice(i + 1);
          let outcome: 'decoded' | 'refused';
          try {
            decodeStoredValue(tampered, place, s);
            outcome = 'decoded';
          } catch (error) {
            expect(error).toBeInstanceOf(StoredValueError);
            outcome = 'refused';
          }
          // an encrypted frame is authenticated: any change is refused
          if (frame === enc && tampered !== frame) expect(outcome).toBe('refused');
        },
      ),
      { numRuns: 500 },
    );
  });

  it('hostile stored text never throws anything but a typed error', () => {
    const s = settings();
    const hostile = fc.oneof(
      fc.string().map((t) => STORED_VALUE_MARK + t),
      fc.string().map((t) => `${STORED_VALUE_MARK}1${t}`),
      fc.base64String().map((b) => `${STORED_VALUE_MARK}1zn${b}`),
      fc.base64String().map((b) => `${STORED_VALUE_MARK}1bgk1.${b}`),
      fc
        .uint8Array({ maxLength: 64 })
        .map((b) => `${STORED_VALUE_MARK}1nn${Buffer.from(b).toString('base64')}`),
    );
    fc.assert(
      fc.property(hostile, (text) => {
        try {
          decodeStoredValue(text, place, s);
        } catch (error) {
          expect(error).toBeInstanceOf(CacheError);
          expect((error as CacheError).code).toBe('CACHE_010');
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('bounds decompression by maxValueBytes (a bomb is refused)', () => {
    const bomb = JSON.stringify('x'.repeat(1_000_000));
    const s = settings({ compressionThreshold: 0 });
    const { stored } = encodeStoredValue(bomb, place, {}, s);
    const tight = settings({ maxValueBytes: 10_000 });
    expect(catchError(() => decodeStoredValue(JSON.parse(stored) as string, place, tight))).toMatchObject({
      details: { reason: 'decompress_failed' },
    });
  });

  it('refuses bad settings clearly', () => {
    expect(() => resolveCodecSettings({ compressionThreshold: -1 })).toThrow(/threshold/);
    expect(() => resolveCodecSettings({ compressionAlgorithm: 'gzip' as never })).toThrow(/zstd or brotli/);
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
