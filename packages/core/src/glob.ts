import { InvalidKeyError } from './errors.js';
import { LIMITS } from './ids.js';

/**
 * Redis-style glob patterns (`*`, `?`, `[abc]`, `[^a]`, `[a-z]`, `\` escapes), the language of
 * `SCAN MATCH`, matched by code point. Every transport evaluates patterns with `compileGlob`, so a
 * pattern means the same everywhere.
 *
 * Rules where Redis is loose: an unclosed `[` is a literal `[`; a trailing `\` is a literal `\`;
 * `[]` and `[^]` match nothing; `-` first or last in a class is literal. `assertGlob` refuses a
 * reversed range (`[z-a]`), a range without an end, a pattern over `LIMITS.patternMaxLength`
 * characters, control characters and unpaired surrogates.
 *
 * Matching never backtracks more than one `*` at a time (the greedy "last star" walk), so its
 * worst case is O(tokens x text length) and there is no regular expression to blow up.
 */
export type GlobMatcher = (text: string) => boolean;

/** A compiled pattern: what `compileGlob` returns, with its cost. */
export interface CompiledGlob extends GlobMatcher {
  /** Number of tokens (`*`, `?`, classes, characters): the factor of the worst-case cost. */
  readonly tokens: number;
}

const STAR = -1;
const ANY = -2;
/** Token codes >= 0 are code points; <= CLASS_BASE are classes (CLASS_BASE - n is class n). */
const CLASS_BASE = -3;
/** Past the last token: matches nothing. */
const END = 0x7fffffff;

interface CharClass {
  negate: boolean;
  /** Inclusive code point ranges, [lo, hi] pairs flattened. */
  ranges: number[];
}

interface ParsedGlob {
  tokens: number[];
  classes: CharClass[];
  problem: string | null;
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /\p{Cs}/u;

function parse(pattern: string): ParsedGlob {
  const chars = Array.from(pattern, (c) => c.codePointAt(0)!);
  const tokens: number[] = [];
  const classes: CharClass[] = [];
  let problem: string | null = null;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === 0x2a /* * */) {
      if (tokens[tokens.length - 1] !== STAR) tokens.push(STAR); // `**` is `*`
    } else if (c === 0x3f /* ? */) tokens.push(ANY);
    else if (c === 0x5c /* \ */) tokens.push(i + 1 < chars.length ? chars[++i]! : c);
    else if (c === 0x5b /* [ */) {
      const parsed = parseClass(chars, i);
      if (parsed === null) tokens.push(c);
      else {
        problem ??= parsed.problem;
        tokens.push(CLASS_BASE - classes.length);
        classes.push(parsed.cls);
        i = parsed.end;
      }
    } else tokens.push(c);
  }
  return { tokens, classes, problem };
}

/** The class opening at `open`, or null when it is never closed (then `[` is literal). */
function parseClass(
  chars: number[],
  open: number,
): { cls: CharClass; end: number; problem: string | null } | null {
  let i = open + 1;
  const negate = chars[i] === 0x5e; /* ^ */
  if (negate) i++;
  const ranges: number[] = [];
  let problem: string | null = null;
  for (; i < chars.length; i++) {
    let c = chars[i]!;
    if (c === 0x5d /* ] */) return { cls: { negate, ranges }, end: i, problem };
    if (c === 0x5c /* \ */) {
      if (i + 1 >= chars.length) return null;
      c = chars[++i]!;
    }
    if (chars[i + 1] === 0x2d /* - */ && i + 2 < chars.length && chars[i + 2] !== 0x5d) {
      let hi = chars[i + 2]!;
      i += 2;
      if (hi === 0x5c) {
        if (i + 1 >= chars.length) return null;
        hi = chars[++i]!;
      }
      if (hi < c) problem ??= 'a character range is reversed';
      ranges.push(c, hi);
    } else ranges.push(c, c);
  }
  return null;
}

function inClass(cls: CharClass, c: number): boolean {
  const r = cls.ranges;
  let found = false;
  for (let k = 0; k < r.length; k += 2) {
    if (c >= r[k]! && c <= r[k + 1]!) {
      found = true;
      break;
    }
  }
  // `[]` and `[^]` match nothing
  return r.length > 0 && found !== cls.negate;
}

/** Throws `InvalidKeyError` (CACHE_004) unless `pattern` is a valid glob; returns it. */
export function assertGlob(pattern: unknown): string {
  const fail = (message: string, extra: Record<string, unknown> = {}): never => {
    throw new InvalidKeyError(message, { details: { kind: 'pattern', ...extra } });
  };
  if (typeof pattern !== 'string') return fail('pattern must be a string');
  if (pattern.length === 0) return fail('pattern must not be empty');
  if (pattern.length > LIMITS.patternMaxLength) {
    return fail(`pattern is longer than ${LIMITS.patternMaxLength} characters`, { length: pattern.length });
  }
  if (CONTROL.test(pattern)) return fail('pattern must not contain control characters');
  if (LONE_SURROGATE.test(pattern)) return fail('pattern must be valid unicode');
  const { problem } = parse(pattern);
  if (problem !== null) return fail(`pattern is not a valid glob: ${problem}`);
  return pattern;
}

/** The same as `assertGlob` (kept for callers of the former name). */
export const assertPattern = (pattern: unknown): string => assertGlob(pattern);

/**
 * A matcher of `pattern` (not validated: call `assertGlob` on user input first). Cost per call is
 * at most tokens x code points of the text.
 */
export function compileGlob(pattern: string): CompiledGlob {
  const { tokens, classes } = parse(pattern);
  const t = Int32Array.from(tokens);
  const n = t.length;
  let minLength = 0;
  for (let k = 0; k < n; k++) if (t[k] !== STAR) minLength++;
  const first = n > 0 ? t[0]! : -1;
  const last = n > 0 ? t[n - 1]! : -1;
  // per class, a table of the ASCII characters it matches (the usual ids), ranges for the rest
  const ascii = classes.map((cls) => {
    const table = new Uint8Array(128);
    for (let c = 0; c < 128; c++) table[c] = inClass(cls, c) ? 1 : 0;
    return table;
  });
  const match = (text: string): boolean => {
    const len = toCodes(text);
    if (len < minLength) return false;
    const s = codes;
    // literal first and last characters reject most texts at once
    if (first >= 0 && s[0] !== first) return false;
    if (last >= 0 && s[len - 1] !== last) return false;
    let p = 0;
    let i = 0;
    let starP = -1;
    let starI = 0;
    while (i < len) {
      const tk = p < n ? t[p]! : END;
      const c = s[i]!;
      if (
        tk === c ||
        tk === ANY ||
        (tk <= CLASS_BASE &&
          (c < 128 ? ascii[CLASS_BASE - tk]![c] === 1 : inClass(classes[CLASS_BASE - tk]!, c)))
      ) {
        p++;
        i++;
      } else if (tk === STAR) {
        starP = p++;
        starI = i;
      } else if (starP >= 0) {
        p = starP + 1;
        i = ++starI;
      } else return false;
    }
    while (p < n && t[p] === STAR) p++;
    return p === n;
  };
  return Object.assign(match, { tokens: n });
}

/** The code points of the text being matched (one buffer, reused: matching is synchronous). */
let codes = new Int32Array(1024);

function toCodes(text: string): number {
  if (codes.length < text.length) codes = new Int32Array(text.length * 2);
  let len = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        codes[len++] = (c - 0xd800) * 0x400 + (d - 0xdc00) + 0x10000;
        i++;
        continue;
      }
    }
    codes[len++] = c;
  }
  return len;
}

/** The literal text every match starts with (lets a sorted index jump straight to the candidates). */
export function globLiteralPrefix(pattern: string): string {
  let prefix = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' || c === '?' || c === '[') return prefix;
    if (c === '\\') {
      if (i + 1 >= pattern.length) return prefix;
      prefix += pattern[++i]!;
    } else prefix += c;
  }
  return prefix;
}

/** True when the pattern has no metacharacter, i.e. it matches exactly one string. */
export function isLiteralGlob(pattern: string): boolean {
  return globLiteralPrefix(pattern).length === unescapedLength(pattern);
}

function unescapedLength(pattern: string): number {
  return pattern.replace(/\\([\s\S])/g, '$1').length;
}
