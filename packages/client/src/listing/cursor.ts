import { INPUT_BOUNDS, ValidationError } from '@org/cache-core';

/** Where a listing resumes. Cursors are opaque to users: base64url JSON. */
export type ListCursor =
  /** id order: continue after this id. */
  | { s: 'id'; after: string }
  /** updated order: continue at this expiry score, skipping `skip` entries already seen at it. */
  | { s: 'updated'; score: number; skip: number }
  /** a tenant's keys (memory transport): continue after this key. */
  | { s: 'key'; after: string };

export function encodeCursor(cursor: ListCursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

/** The error of a cursor this client never issued: a 400 `CACHE_007` without internal detail. */
export function malformedCursor(): ValidationError {
  return new ValidationError('cursor is malformed; pass back the next_cursor of a previous page', {
    details: { field: 'cursor' },
  });
}

/** Decodes a cursor (of the kind `kind` when given), or throws `malformedCursor()`. */
export function decodeCursor<K extends ListCursor['s']>(
  text: string,
  kind?: K,
): Extract<ListCursor, { s: K }> {
  const c = parse(text);
  if (c === null || (kind !== undefined && c.s !== kind)) throw malformedCursor();
  return c as Extract<ListCursor, { s: K }>;
}

function parse(text: string): ListCursor | null {
  if (
    typeof text !== 'string' ||
    text.length > INPUT_BOUNDS.maxCursorLength ||
    !/^[A-Za-z0-9_-]+$/.test(text)
  ) {
    return null;
  }
  try {
    const c = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as ListCursor;
    if ((c.s === 'id' || c.s === 'key') && typeof c.after === 'string') return c;
    if (c.s === 'updated' && Number.isFinite(c.score) && Number.isSafeInteger(c.skip) && c.skip >= 0) {
      return c;
    }
  } catch {
    // not JSON
  }
  return null;
}
