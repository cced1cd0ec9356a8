import { ErrorCode } from '@org/cache-core';
import { fixtureLines } from '@org/cache-testkit';
import { describe, expect, test } from 'vitest';
import { decodeMessage } from './decode.js';
import { buildErrorMessage, ORIGINAL_MESSAGE_MAX_CHARS } from './error-message.js';

const MAX = 1024 * 1024;

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
    const d = decodeMessage(Buffer.from(huge), 50_000);
    expect(d.ok).toBe(false);
    if (d.ok) return;
    expect(d.failure.code).toBe(ErrorCode.TOO_LARGE);
    expect(d.failure.reason).toBe(`message is ${huge.length} bytes, larger than the limit of 50000 bytes`);
    const record = buildErrorMessage({
      requestId: null,
      reason: d.failure.reason,
      original: d.failure.raw,
      originalBytes: d.failure.rawBytes,
    });
    expect(record.original_message!.length).toBeLessThan(ORIGINAL_MESSAGE_MAX_CHARS + 100);
    expect(record.original_message).toMatch(
      new RegExp(`^\\{"device_id":"d".*truncated: ${huge.length} bytes in all\\]$`),
    );
  });
});

describe('buildErrorMessage', () => {
  test('has the pipeline ErrorMessage shape, with a new uuid when the message has no request_id', () => {
    const m = buildErrorMessage({ requestId: null, reason: 'why', original: 'raw', originalBytes: 3 });
    expect(m).toEqual({
      request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      timestamp: expect.stringMatching(/Z$/),
      service: 'cache_service',
      error: 'why',
      original_message: 'raw',
    });
    expect(
      buildErrorMessage({ requestId: 'r', reason: 'x', original: null, originalBytes: 0 }).request_id,
    ).toBe('r');
  });
});
