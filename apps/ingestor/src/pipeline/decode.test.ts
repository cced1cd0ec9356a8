import { ErrorCode, readingBoundsChecker } from '@org/cache-core';
import { fixtureLines } from '@org/cache-testkit';
import { describe, expect, test } from 'vitest';
import { type DecodeLimits, decodeMessage } from './decode.js';
import { buildErrorMessage, isTruncatedOriginal, ORIGINAL_MESSAGE_MAX_CHARS } from './error-message.js';

const limits = (maxMessageBytes = 1024 * 1024, maxFutureSkewMs = 300_000): DecodeLimits => ({
  maxMessageBytes,
  checkReading: readingBoundsChecker({ nowMs: Date.now(), maxFutureSkewMs }),
});
const MAX = limits();

describe('decodeMessage', () => {
  test('every fixture line becomes a reading with a normalized UTC timestamp', () => {
    for (const line of fixtureLines('validated-output.ndjson')) {
      const d = decodeMessage(Buffer.from(line), MAX);
      expect(d.ok).toBe(true);
      if (d.ok) expect(d.reading.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    }
    const legacy = decodeMessage(fixtureLines('validated-output.ndjson')[4]!, MAX);
    expect(legacy.ok && legacy.reading.labels).toEqual(['temperature']); // `label` alias
  });

  test('every bad fixture line is rejected with a reason naming the problem', () => {
    const reasons = fixtureLines('bad-messages.ndjson').map((line) => {
      const d = decodeMessage(Buffer.from(line), MAX);
      expect(d.ok).toBe(false);
      return d.ok ? '' : d.failure.reason;
    });
    expect(reasons).toEqual([
      expect.stringMatching(/^not JSON/),
      expect.stringMatching(/device_id: must not be empty/),
      expect.stringMatching(/device_id: .*expected string/),
      expect.stringMatching(/values: .*expected array/),
      expect.stringMatching(/timestamp: not an ISO 8601 date-time/),
      expect.stringMatching(/device_id: .*expected string, received array/),
      expect.stringMatching(/\(message\): .*expected object/),
      expect.stringMatching(/\(message\): .*expected object/),
      expect.stringMatching(/metadata: .*expected object/),
    ]);
  });

  test('reasons never quote the message content', () => {
    const d = decodeMessage('{"device_id": "secret-value", oops}', MAX);
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.failure.reason).not.toContain('secret-value');
  });

  test('keeps the request_id of an invalid message that has one', () => {
    const d = decodeMessage(
      JSON.stringify({ request_id: 'req-1', device_id: '', values: [], timestamp: 'x' }),
      MAX,
    );
    expect(!d.ok && d.failure.requestId).toBe('req-1');
  });

  test('a tombstone (null value) is rejected', () => {
    const d = decodeMessage(null, MAX);
    expect(d.ok).toBe(false);
    if (!d.ok)
      expect(d.failure).toMatchObject({
        code: ErrorCode.INVALID_INPUT,
        raw: null,
        reason: expect.stringMatching(/tombstone/),
      });
  });

  test('an oversized value is rejected unread with TOO_LARGE, and its error record is truncated', () => {
    const huge = JSON.stringify({
      device_id: 'd',
      values: ['x'.repeat(100_000)],
      timestamp: '2025-01-01T00:00:00',
    });
    const d = decodeMessage(Buffer.from(huge), limits(50_000));
    expect(d.ok).toBe(false);
    if (d.ok) return;
    expect(d.failure.code).toBe(ErrorCode.TOO_LARGE);
    expect(d.failure.errorCode).toBe('message_too_large');
    expect(d.failure.reason).toBe(`message is ${huge.length} bytes, larger than the limit of 50000 bytes`);
    const record = buildErrorMessage({
      requestId: null,
      reason: d.failure.reason,
      code: d.failure.errorCode,
      original: d.failure.raw,
      originalBytes: d.failure.rawBytes,
    });
    expect(record.original_message!.length).toBeLessThan(ORIGINAL_MESSAGE_MAX_CHARS + 100);
    expect(record.original_message).toMatch(
      new RegExp(`^\\{"device_id":"d".*truncated: ${huge.length} bytes in all\\]$`),
    );
    expect(isTruncatedOriginal(record.original_message!)).toBe(true);
    expect(isTruncatedOriginal(huge.slice(0, ORIGINAL_MESSAGE_MAX_CHARS))).toBe(false);
  });

  const base = {
    device_id: 'd1',
    request_id: 'r1',
    timestamp: '2025-06-25T08:00:00',
    index: 'T',
    values: [1],
  };
  const codeOf = (message: unknown, l = MAX) => {
    const d = decodeMessage(JSON.stringify(message), l);
    return d.ok ? 'ok' : `${d.failure.errorCode} ${d.failure.code}`;
  };

  test('each bound has its own error_code (and cache code), checked before anything is written', () => {
    const manyKeys = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]));
    expect(codeOf(base)).toBe('ok');
    // Built as text: JSON.stringify itself cannot encode 9,000 levels.
    const deep = JSON.stringify(base).replace(
      '"values":[1]',
      `"values":${'['.repeat(9000)}1${']'.repeat(9000)}`,
    );
    const d = decodeMessage(deep, MAX);
    expect(d.ok ? 'ok' : `${d.failure.errorCode} ${d.failure.code}`).toBe('value_too_deep CACHE_007');
    expect(codeOf({ ...base, metadata: { datatype_id: 'a', datatype_name: 'b', ...manyKeys } })).toBe(
      'too_many_metadata_keys CACHE_008',
    );
    expect(
      codeOf({ ...base, metadata: { datatype_id: 'a', datatype_name: 'b', ['k'.repeat(200)]: 1 } }),
    ).toBe('metadata_key_too_long CACHE_008');
    expect(
      codeOf({ ...base, metadata: { datatype_id: 'a', datatype_name: 'b', n: 'v'.repeat(20_000) } }),
    ).toBe('metadata_value_too_large CACHE_008');
    expect(codeOf({ ...base, device_id: 'x'.repeat(300) })).toBe('id_too_long CACHE_004');
    expect(codeOf({ ...base, index: 'x'.repeat(100) })).toBe('index_too_long CACHE_004');
    expect(codeOf({ ...base, timestamp: '9999-12-31T23:59:59Z' })).toBe('timestamp_in_future CACHE_007');
    expect(codeOf({ ...base, device_id: '' })).toBe('schema CACHE_007');
    expect(decodeMessage('{oops', MAX)).toMatchObject({ ok: false, failure: { errorCode: 'invalid_json' } });
    expect(decodeMessage(null, MAX)).toMatchObject({ ok: false, failure: { errorCode: 'tombstone' } });
  });

  test('a "__proto__" metadata key is dropped by the schema: the reading is kept without it', () => {
    const text = JSON.stringify(base).replace(
      '"values":[1]',
      '"values":[1],"metadata":{"datatype_id":"x","datatype_name":"y","__proto__":{"polluted":1}}',
    );
    const d = decodeMessage(text, MAX);
    expect(d.ok).toBe(true);
    if (d.ok) {
      expect(Object.keys(d.reading.metadata!)).toEqual([
        'datatype_id',
        'datatype_name',
        'datatype_unit',
        'persist',
      ]);
      expect((d.reading.metadata as Record<string, unknown>).polluted).toBeUndefined();
    }
  });

  test('the clock-skew policy: up to maxFutureSkewMs ahead is accepted, further is timestamp_in_future', () => {
    const at = (ms: number) => ({ ...base, timestamp: new Date(Date.now() + ms).toISOString() });
    expect(codeOf(at(60_000), limits(undefined, 300_000))).toBe('ok');
    expect(codeOf(at(600_000), limits(undefined, 300_000))).toBe('timestamp_in_future CACHE_007');
    expect(codeOf(at(600_000), limits(undefined, 3_600_000))).toBe('ok');
    expect(codeOf(at(1_000), limits(undefined, 0))).toBe('timestamp_in_future CACHE_007');
  });

  test('a bounds failure keeps the request_id, and its reason does not quote the content', () => {
    const d = decodeMessage(JSON.stringify({ ...base, device_id: 'secret-'.repeat(50) }), MAX);
    expect(d).toMatchObject({ ok: false, failure: { requestId: 'r1' } });
    if (!d.ok) expect(d.failure.reason).not.toContain('secret');
  });
});

describe('buildErrorMessage', () => {
  test('has the pipeline ErrorMessage shape, with a new uuid when the message has no request_id', () => {
    const m = buildErrorMessage({
      requestId: null,
      reason: 'why',
      code: 'schema',
      original: 'raw',
      originalBytes: 3,
    });
    expect(m).toEqual({
      request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      timestamp: expect.stringMatching(/Z$/),
      service: 'cache_service',
      error: 'why',
      error_code: 'schema',
      original_message: 'raw',
    });
    expect(
      buildErrorMessage({ requestId: 'r', reason: 'x', code: 'tombstone', original: null, originalBytes: 0 })
        .request_id,
    ).toBe('r');
  });
});
