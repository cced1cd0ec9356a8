import { type CacheEntry, NotFoundError } from '@org/cache-core';
import { cacheControlFor } from '../http/etag.js';
import type { Reply } from '../route-table/route.js';
import type { RouteDeps } from './deps.js';

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

/** Reads one key of a tenant, counting the hit or miss; a miss is `CACHE_001`. */
export async function lookupEntry(deps: RouteDeps, tenant: string, key: string): Promise<CacheEntry> {
  const entry = await deps.client.forTenant(tenant).get(key);
  deps.metrics.lookup(tenant, entry === null ? 0 : 1, entry === null ? 1 : 0);
  if (entry === null) throw new NotFoundError(`key ${key} not found`);
  return entry;
}

/** A read of an entry answered with `body`, its ETag (304 on a match) and a Cache-Control from its TTL. */
export function entryReply(entry: CacheEntry, body: unknown): Reply {
  return {
    body,
    cache: { etag: entryEtag(entry), cacheControl: cacheControlFor(entry.ttl), vary: 'X-Tenant-ID' },
  };
}
