import { compileGlob } from '@org/cache-core';
import { describe, expect, it } from 'vitest';
import { matchInSlices } from './match-in-slices.js';

describe('matchInSlices', () => {
  it('matches like the matcher, letting the event loop turn between slices', async () => {
    const texts = Array.from({ length: 100 }, (_, i) => `key-${i}`);
    const match = compileGlob('key-?5');
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    const timer = setImmediate(() => turns++);
    const found = await matchInSlices(texts, match, 10);
    clearInterval(ticker);
    clearImmediate(timer);
    expect(found).toEqual([
      'key-15',
      'key-25',
      'key-35',
      'key-45',
      'key-55',
      'key-65',
      'key-75',
      'key-85',
      'key-95',
    ]);
    expect(turns).toBeGreaterThan(0); // other callbacks ran while it worked
    expect(await matchInSlices([], match, 1)).toEqual([]);
  });
});
