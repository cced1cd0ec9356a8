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

  it('rejects anything else with CACHE_004', () => {
    for (const bad of [
      '',
      'zzz',
      encodeCursor({ s: 'updated', score: 1, skip: -1 }),
      Buffer.from('{"s":"x"}').toString('base64url'),
    ]) {
      expect(() => decodeCursor(bad)).toThrow(expect.objectContaining({ code: 'CACHE_004' }));
    }
  });
});
