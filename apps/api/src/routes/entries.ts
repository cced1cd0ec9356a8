import type { CacheEntry } from '@org/cache-core';

/** The ICD's `metadata` of an entry (plus the seconds left). */
export function entryMetadata(e: CacheEntry) {
  return { created_at: e.created_at, expires_at: e.expires_at, version: e.version, ttl: e.ttl };
}

/** Changes on every write of the key (version and write time), whatever the value's size. */
export function entryEtag(e: CacheEntry): string {
  return `W/"${e.version}-${Date.parse(e.created_at).toString(36)}"`;
}

/** Where an entry can be read again. */
export function entryLocation(prefix: string, key: string): string {
  return `${prefix}/${encodeURIComponent(key)}`;
}
