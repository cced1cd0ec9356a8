import { describe, expect, it } from 'vitest';
import { normalizeTimestamp, timestampFromMillis, timestampToMillis } from './timestamp.js';

describe('normalizeTimestamp', () => {
  it('reads a zone-less Python isoformat() as UTC and keeps microseconds', () => {
    expect(normalizeTimestamp('2025-06-25T08:57:34.618082')).toBe('2025-06-25T08:57:34.618082Z');
  });

  it('converts offsets to UTC', () => {
    expect(normalizeTimestamp('2025-06-25T10:00:00.250000+02:00')).toBe('2025-06-25T08:00:00.250000Z');
    expect(normalizeTimestamp('2025-06-25T09:12:01.004211+00:00')).toBe('2025-06-25T09:12:01.004211Z');
    expect(normalizeTimestamp('2025-06-25T00:30:00-0130')).toBe('2025-06-25T02:00:00.000000Z');
    expect(normalizeTimestamp('2025-01-01T00:00:00+01:00')).toBe('2024-12-31T23:00:00.000000Z');
  });

  it('pads and truncates fractions to six digits', () => {
    expect(normalizeTimestamp('2025-06-25T09:13:45Z')).toBe('2025-06-25T09:13:45.000000Z');
    expect(normalizeTimestamp('2025-06-25T09:13:45.1Z')).toBe('2025-06-25T09:13:45.100000Z');
    expect(normalizeTimestamp('2025-06-25T09:13:45.123456789Z')).toBe('2025-06-25T09:13:45.123456Z');
    expect(normalizeTimestamp('2025-06-25 09:13')).toBe('2025-06-25T09:13:00.000000Z');
  });

  it('rejects what is not a date-time', () => {
    for (const bad of [
      'yesterday at noon',
      '',
      '2025-06-25',
      '2025-13-01T00:00:00',
      '2025-02-30T00:00:00',
      '2025-06-25T24:00:00',
      '2025-06-25T08:57:34+25',
    ]) {
      expect(normalizeTimestamp(bad), bad).toBeNull();
    }
  });

  it('keeps string order equal to time order', () => {
    const a = normalizeTimestamp('2025-06-25T08:50:00.000000')!;
    const b = normalizeTimestamp('2025-06-25T10:57:34.618082+02:00')!;
    const c = normalizeTimestamp('2025-06-25T08:57:34.618082')!;
    expect([c, b, a].sort()).toEqual([a, b, c].sort());
    expect(a < b).toBe(true);
    expect(b).toBe(c);
  });

  it('round-trips milliseconds', () => {
    const ms = Date.UTC(2025, 5, 25, 8, 57, 34, 618);
    expect(timestampToMillis(timestampFromMillis(ms))).toBe(ms);
  });
});
