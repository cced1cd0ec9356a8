import { InvalidKeyError } from '@org/cache-core';

/**
 * `.` and `..` cannot travel as a URL path segment (URL parsers remove them, encoded or not), so
 * the transport sends such ids and keys in a request body where the API allows it.
 */
export function pathSafe(segment: string): boolean {
  return segment !== '.' && segment !== '..';
}

/** One encoded path segment (`/` inside becomes `%2F`). */
export function seg(segment: string): string {
  return encodeURIComponent(segment);
}

export function segOrThrow(segment: string, kind: string): string {
  if (!pathSafe(segment)) {
    throw new InvalidKeyError(
      `a ${kind} of "${segment}" cannot be addressed in a URL; use another transport`,
      {
        details: { kind },
      },
    );
  }
  return encodeURIComponent(segment);
}

/** A glob of `.` or `..` means the same escaped (`\.`), which does travel in a path. */
export function patternSegment(pattern: string): string {
  return encodeURIComponent(pathSafe(pattern) ? pattern : pattern.replace(/\./g, '\\.'));
}

export function query(params: Record<string, string | number | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined) q.set(k, String(v));
  const text = q.toString();
  return text ? `?${text}` : '';
}
