import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { buildErrorMessage, ORIGINAL_MESSAGE_MAX_CHARS } from '../pipeline/error-message.js';
import { parseErrorCodes, ReplayTally, selectRecord } from './error-records.js';

const record = (code: Parameters<typeof buildErrorMessage>[0]['code'], original: string | null, bytes = 0) =>
  JSON.stringify(buildErrorMessage({ requestId: null, reason: 'why', code, original, originalBytes: bytes }));

describe('selectRecord', () => {
  test('an error record is replayed with its original message, when its error_code is asked for', () => {
    const r = record('timestamp_in_future', '{"device_id":"d"}');
    expect(selectRecord(r, null)).toEqual({ kind: 'replay', original: '{"device_id":"d"}' });
    expect(selectRecord(Buffer.from(r), new Set(['timestamp_in_future']))).toEqual({
      kind: 'replay',
      original: '{"device_id":"d"}',
    });
    expect(selectRecord(r, new Set(['schema']))).toEqual({ kind: 'skipped' });
  });

  test('a truncated original cannot be replayed; a tombstone has nothing to replay; other input is unreadable', () => {
    const big = `{"v":"${'x'.repeat(ORIGINAL_MESSAGE_MAX_CHARS)}"}`;
    expect(selectRecord(record('message_too_large', big, big.length), null)).toEqual({ kind: 'truncated' });
    expect(selectRecord(record('tombstone', null), null)).toEqual({ kind: 'tombstone' });
    expect(selectRecord('not json', null)).toEqual({ kind: 'unreadable' });
    expect(selectRecord('[1]', null)).toEqual({ kind: 'unreadable' });
    expect(selectRecord('{"error":"x"}', null)).toEqual({ kind: 'unreadable' });
    const other = JSON.stringify({
      service: 'validator',
      error: 'x',
      error_code: 'schema',
      original_message: '{}',
    });
    expect(selectRecord(other, null)).toEqual({ kind: 'foreign' });
    expect(selectRecord(other, new Set(['schema']))).toEqual({ kind: 'foreign' });
    expect(selectRecord(null, null)).toEqual({ kind: 'unreadable' });
  });

  test('records written before error_code existed are replayed without a filter, skipped with one', () => {
    const old = JSON.stringify({
      request_id: 'r',
      service: 'cache_service',
      error: 'schema: …',
      original_message: '{}',
    });
    expect(selectRecord(old, null)).toEqual({ kind: 'replay', original: '{}' });
    expect(selectRecord(old, new Set(['schema']))).toEqual({ kind: 'skipped' });
  });

  test('never throws, whatever the bytes or JSON', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.uint8Array().map((b) => Buffer.from(b)),
        ),
        (value) => {
          const s = selectRecord(value, new Set(['schema']));
          expect(['replay', 'skipped', 'truncated', 'tombstone', 'unreadable', 'foreign']).toContain(s.kind);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('parseErrorCodes', () => {
  test('accepts every error_code the pipeline writes; refuses others, naming them', () => {
    expect(parseErrorCodes([])).toBeNull();
    expect(parseErrorCodes(['write_failed', 'timestamp_in_future'])).toEqual(
      new Set(['write_failed', 'timestamp_in_future']),
    );
    expect(() => parseErrorCodes(['schema', 'CACHE_007', '__proto__'])).toThrow(
      /unknown --error-code "CACHE_007", "__proto__"; known: .*schema/,
    );
  });
});

describe('ReplayTally', () => {
  test('counts every record once, and where the truncated ones were', () => {
    const tally = new ReplayTally();
    expect(tally.count({ kind: 'replay', original: 'x' }, () => 'line 1')).toBe('x');
    expect(tally.count({ kind: 'truncated' }, () => 'line 2')).toBeNull();
    expect(tally.count({ kind: 'skipped' }, () => 'line 3')).toBeNull();
    expect(tally.count({ kind: 'unreadable' }, () => 'line 4')).toBeNull();
    expect(tally.count({ kind: 'tombstone' }, () => 'line 5')).toBeNull();
    expect(tally.count({ kind: 'foreign' }, () => 'line 6')).toBeNull();
    tally.add({ read: 1, written: 1, stale: 0, invalid: 0 });
    expect(tally.summary).toEqual({
      records: 6,
      selected: 3,
      replayed: 1,
      written: 1,
      stale: 0,
      invalid: 0,
      truncated: 1,
      tombstones: 1,
      unreadable: 1,
      foreign: 1,
    });
    expect(tally.truncatedAt).toEqual(['line 2']);
  });
});
