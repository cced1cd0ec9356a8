import { InvalidKeyError } from '@org/cache-core';

/** Where a device listing resumes. Cursors are opaque to users: base64url JSON. */
export type ListCursor =
  /** id order: continue after this id. */
  | { s: 'id'; after: string }
  /** updated order: continue at this expiry score, skipping `skip` entries already seen at it. */
  | { s: 'updated'; score: number; skip: number };

export function encodeCursor(cursor: ListCursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

export function decodeCursor(text: string): ListCursor {
  try {
    const c = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as ListCursor;
    if (c.s === 'id' && typeof c.after === 'string') return c;
    if (c.s === 'updated' && Number.isFinite(c.score) && Number.isInteger(c.skip) && c.skip >= 0) return c;
  } catch {
    // fall through
  }
  throw new InvalidKeyError('cursor is malformed; pass back the next_cursor of a previous page', {
    details: { kind: 'cursor' },
  });
}
