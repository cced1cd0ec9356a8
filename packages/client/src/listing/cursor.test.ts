import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor.js';

describe('list cursors', () => {
  it('round-trip both orders, with any id', () => {
    for (const after of ['plain', 'Température/é', 'a"b\\c', '']) {
      expect(decodeCursor(encodeCursor({ s: 'id', after }))).toEqual({ s: 'id', after });
    }
    expect(decodeCursor(encodeCursor({ s: 'updated', score: 1750841854618, skip: 3 }))).toEqual({
      s: 'updated',
      score: 1750841854618,
      skip: 3,
    });
  });

  it('rejects anything else with CACHE_007, without internal detail', () => {
    for (const bad of [
      '',
      'zzz',
      encodeCursor({ s: 'updated', score: 1, skip: -1 }),
      'abc',
      '%%%',
      encodeCursor({ s: 'updated', score: 1, skip: 1e21 }),
      Buffer.from('{"s":"x"}').toString('base64url'),
      'A'.repeat(2000),
    ]) {
      expect(() => decodeCursor(bad)).toThrow(
        expect.objectContaining({
          code: 'CACHE_007',
          message: 'cursor is malformed; pass back the next_cursor of a previous page',
        }),
      );
    }
    expect(() => decodeCursor(encodeCursor({ s: 'key', after: 'k' }), 'id')).toThrow(
      expect.objectContaining({ code: 'CACHE_007' }),
    );
  });
});
