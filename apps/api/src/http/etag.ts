import type { Context } from 'hono';
import { type AppEnv, requestHeader } from './context.js';
import { respond } from './respond.js';

/**
 * A strong ETag of a serialized body: 64 bits of two FNV-1a hashes over its UTF-16 code units,
 * computed in JS (a native digest call costs more than hashing a few hundred bytes here).
 */
export function etagOf(body: string): string {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  return `"${(a >>> 0).toString(36)}-${(b >>> 0).toString(36)}-${body.length.toString(36)}"`;
}

/** True when `If-None-Match` lists the ETag (weak comparison, as RFC 9110 asks for GET). */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  const bare = etag.startsWith('W/') ? etag.slice(2) : etag;
  for (const part of header.split(',')) {
    const tag = part.trim();
    if ((tag.startsWith('W/') ? tag.slice(2) : tag) === bare) return true;
  }
  return false;
}

/** `Cache-Control` for something that lives `ttlSeconds` more (null: no expiry, revalidate each time). */
export function cacheControlFor(ttlSeconds: number | null): string {
  return ttlSeconds === null || ttlSeconds <= 0
    ? 'private, no-cache'
    : `private, max-age=${Math.floor(ttlSeconds)}`;
}

/**
 * Answers a read: 304 without a body when the caller's `If-None-Match` matches, else 200 with the
 * JSON body. `body` is already serialized (it is what the ETag covers when none is given), as text
 * or as its UTF-8 bytes (then `etag` must be given).
 */
export function conditionalJson(
  c: Context<AppEnv>,
  body: string | Uint8Array<ArrayBuffer>,
  options: { etag?: string; cacheControl: string; vary?: string },
): Response {
  const etag = options.etag ?? etagOf(typeof body === 'string' ? body : Buffer.from(body).toString());
  const headers: Record<string, string> = { etag, 'cache-control': options.cacheControl };
  if (options.vary) headers.vary = options.vary;
  if (matchesIfNoneMatch(requestHeader(c, 'if-none-match'), etag)) return respond(c, 304, null, headers);
  headers['content-type'] = 'application/json';
  return respond(c, 200, body, headers);
}
