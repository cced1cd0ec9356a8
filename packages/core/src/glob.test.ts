import { describe, expect, it } from 'vitest';
import { compileGlob, globLiteralPrefix, isLiteralGlob } from './glob.js';
import { escapeGlob } from './key-scheme.js';

const matches = (pattern: string, text: string) => compileGlob(pattern)(text);

describe('glob', () => {
  it('matches like Redis MATCH', () => {
    expect(matches('sensor-*', 'sensor-12')).toBe(true);
    expect(matches('sensor-*', 'xsensor-12')).toBe(false);
    expect(matches('s?n', 'sun')).toBe(true);
    expect(matches('s[ai]n', 'sin')).toBe(true);
    expect(matches('s[^ai]n', 'sin')).toBe(false);
    expect(matches('s[a-c]n', 'sbn')).toBe(true);
    expect(matches('*', 'anything/at all')).toBe(true);
    expect(matches('gw-lyon-01/*', 'gw-lyon-01/port-3')).toBe(true);
  });

  it('treats escaped metacharacters literally', () => {
    expect(matches('a\\*b', 'a*b')).toBe(true);
    expect(matches('a\\*b', 'axb')).toBe(false);
    expect(matches('a\\[1]', 'a[1]')).toBe(true);
    expect(matches('back\\\\slash', 'back\\slash')).toBe(true);
    expect(matches('[', '[')).toBe(true);
    expect(matches('a.b', 'axb')).toBe(false);
    expect(matches('(x|y)', '(x|y)')).toBe(true);
  });

  it('escapeGlob makes any string match only itself', () => {
    for (const id of ['a*b', 'x[1]', 'back\\slash', 'q?', 'Température/é']) {
      expect(matches(escapeGlob(id), id)).toBe(true);
      expect(isLiteralGlob(escapeGlob(id))).toBe(true);
    }
    expect(matches(escapeGlob('a*'), 'abc')).toBe(false);
  });

  it('finds the literal prefix', () => {
    expect(globLiteralPrefix('dev-1*')).toBe('dev-1');
    expect(globLiteralPrefix('a\\*b?c')).toBe('a*b');
    expect(globLiteralPrefix('*x')).toBe('');
    expect(isLiteralGlob('abc')).toBe(true);
    expect(isLiteralGlob('ab*')).toBe(false);
  });
});
