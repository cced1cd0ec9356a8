import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertGlob, assertPattern, compileGlob, globLiteralPrefix, isLiteralGlob } from './glob.js';
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

/** The former matcher (a RegExp, backtracking): the reference for small inputs. */
function referenceGlob(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[\\s\\S]*';
    else if (c === '?') re += '[\\s\\S]';
    else if (c === '\\' && i + 1 < pattern.length) re += esc(pattern[++i]!);
    else if (c === '[') {
      let end = i + 1;
      if (pattern[end] === '^') end++;
      for (; end < pattern.length; end++) {
        if (pattern[end] === '\\') end++;
        else if (pattern[end] === ']') break;
      }
      if (end >= pattern.length) re += '\\[';
      else {
        const body = pattern.slice(i + 1, end);
        let out = '[';
        let k = 0;
        if (body[0] === '^') {
          out += '^';
          k = 1;
        }
        for (; k < body.length; k++) {
          const b = body[k]!;
          if (b === '\\' && k + 1 < body.length) out += escClass(body[++k]!);
          else if (b === '-' && k > (body[0] === '^' ? 1 : 0) && k + 1 < body.length) out += '-';
          else out += escClass(b);
        }
        re += out === '[' || out === '[^' ? '(?!)' : `${out}]`;
        i = end;
      }
    } else re += esc(c);
  }
  return new RegExp(`${re}$`, 'u');
}
const esc = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const escClass = (c: string) => c.replace(/[\\\]^-]/g, '\\$&');

describe('compileGlob', () => {
  it('matches like the reference on random patterns over a small alphabet', () => {
    const patternChar = fc.constantFrom('a', 'b', '-', '[', ']', '^', '\\', '*', '?', 'é', '😀');
    const textChar = fc.constantFrom('a', 'b', '-', '[', ']', '^', '\\', '*', 'é', '😀');
    let compared = 0;
    fc.assert(
      fc.property(
        fc.array(patternChar, { maxLength: 10 }).map((cs) => cs.join('')),
        fc.array(
          fc.array(textChar, { maxLength: 8 }).map((cs) => cs.join('')),
          { minLength: 1, maxLength: 8 },
        ),
        (pattern, texts) => {
          if (pattern === '') return;
          try {
            assertGlob(pattern);
          } catch {
            return; // invalid globs are refused before matching
          }
          const ref = referenceGlob(pattern);
          const match = compileGlob(pattern);
          compared++;
          for (const text of texts) expect(match(text), `${pattern} ~ ${text}`).toBe(ref.test(text));
        },
      ),
      { numRuns: 3_000 },
    );
    expect(compared).toBeGreaterThan(1_000);
  });

  it('answers the heaviest pattern in time proportional to pattern x text', () => {
    const heavy = `${'*?'.repeat(255)}*Z`; // 512 characters
    expect(heavy).toHaveLength(512);
    const match = compileGlob(heavy);
    expect(match.tokens).toBe(512);
    const ids = Array.from({ length: 200 }, (_, i) =>
      `${'a'.repeat(250)}${String(i).padStart(5, '0')}Z`.slice(-256),
    );
    const miss = Array.from({ length: 200 }, (_, i) => `${String(i).padStart(5, '0')}${'a'.repeat(251)}`);
    const start = performance.now();
    for (const id of ids) expect(match(id)).toBe(true);
    for (const id of miss) expect(match(id)).toBe(false);
    // the former RegExp took minutes on a few dozen such ids; 400 ids x 512 tokens x 256 chars is bounded
    expect(performance.now() - start).toBeLessThan(2_000);
    expect(compileGlob(`${'*a'.repeat(200)}b`)('a'.repeat(256))).toBe(false);
  });
});

describe('assertGlob', () => {
  it('refuses invalid globs with CACHE_004 and accepts the rest', () => {
    for (const bad of ['[z-a]', 'a[9-0]b', 'x'.repeat(513), '', 'tab\there', 'lone\ud800', 5]) {
      expect(() => assertGlob(bad), String(bad)).toThrow(expect.objectContaining({ code: 'CACHE_004' }));
    }
    for (const ok of ['*', '[a-z]', '[', 'a\\', '[]', '[^]', '[a-]', '[-a]', 'x'.repeat(512), 'é*😀']) {
      expect(assertGlob(ok)).toBe(ok);
    }
    expect(assertPattern('[z-a]x'.slice(5))).toBe('x');
  });
});
