/**
 * Redis-style glob patterns (`*`, `?`, `[abc]`, `[^a]`, `[a-z]`, `\` escapes), the same language
 * as `SCAN MATCH`, so a pattern means the same on every transport.
 */
export function globToRegExp(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[\\s\\S]*';
    else if (c === '?') re += '[\\s\\S]';
    else if (c === '\\' && i + 1 < pattern.length) re += escapeRegExp(pattern[++i]!);
    else if (c === '[') {
      const end = classEnd(pattern, i);
      if (end < 0) re += '\\[';
      else {
        re += classToRegExp(pattern.slice(i + 1, end));
        i = end;
      }
    } else re += escapeRegExp(c);
  }
  return new RegExp(`${re}$`, 'u');
}

function classEnd(pattern: string, open: number): number {
  let i = open + 1;
  if (pattern[i] === '^') i++;
  for (; i < pattern.length; i++) {
    if (pattern[i] === '\\') i++;
    else if (pattern[i] === ']') return i;
  }
  return -1;
}

function classToRegExp(body: string): string {
  let out = '[';
  let i = 0;
  if (body[0] === '^') {
    out += '^';
    i = 1;
  }
  for (; i < body.length; i++) {
    const c = body[i]!;
    if (c === '\\' && i + 1 < body.length) out += escapeClassChar(body[++i]!);
    else if (c === '-' && i > 0 && i + 1 < body.length) out += '-';
    else out += escapeClassChar(c);
  }
  return out === '[' || out === '[^' ? '(?!)' : `${out}]`;
}

function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function escapeClassChar(c: string): string {
  return c.replace(/[\\\]^-]/g, '\\$&');
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
