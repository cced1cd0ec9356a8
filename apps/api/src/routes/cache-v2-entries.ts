import type { CacheClient } from '@org/cache-client';
import {
  appliedOptionsOf,
  assertCacheKey,
  type CacheEntry,
  cachePolicyOf,
  isExpiredAt,
  type JsonValue,
  KeyExpiredError,
  NotFoundError,
  ValidationError,
  valueCodecOf,
  withPolicyDefaults,
} from '@org/cache-core';
import type { WriteRequest } from '../schemas/cache-options.js';
import type { RouteDeps } from './deps.js';
import { entryMetadata } from './entries.js';

/** The metadata of a written entry: the entry's, and the options applied (when a codec is installed). */
export const writeMetadata = (e: CacheEntry) => {
  const options = appliedOptionsOf(e);
  return options ? { ...entryMetadata(e), options } : entryMetadata(e);
};

/**
 * Writes v2 requests: each gets its cache type's defaults (the policy attached to the client's
 * transport: named by `cache_type`, else by key prefix; explicit options and ttl win), then the
 * writes sharing options go in one `setMany`. Encryption on a server without a key is refused
 * before anything is written (CACHE_007), never stored as plaintext.
 */
export async function writeEntries(
  client: CacheClient,
  tenant: string,
  requests: WriteRequest[],
  correlationId: string | undefined,
): Promise<CacheEntry[]> {
  const policy = cachePolicyOf(client.transport)?.current ?? null;
  const planned = requests.map((r) => {
    const { ttl, ...options } = withPolicyDefaults(
      r.options,
      policy?.resolve(tenant, r.key, r.options.cacheType) ?? null,
    );
    return { key: r.key, value: r.value as JsonValue, ttl: r.ttl !== undefined ? r.ttl : ttl, options };
  });
  if (planned.some((p) => p.options.encryption) && !valueCodecOf(client.transport)?.encryption) {
    throw new ValidationError('encryption was asked for, but this server has no encryption key', {
      details: { field: 'options.encryption', reason: 'encryption_not_configured' },
    });
  }
  const groups = new Map<string, number[]>();
  planned.forEach((p, i) => {
    const id = JSON.stringify(p.options);
    const positions = groups.get(id);
    if (positions) positions.push(i);
    else groups.set(id, [i]);
  });
  const out: CacheEntry[] = new Array(planned.length);
  const cache = client.forTenant(tenant);
  for (const positions of groups.values()) {
    const first = planned[positions[0]!]!;
    const entries = await cache.setMany(
      positions.map((i) => planned[i]!),
      { correlationId, ...first.options },
    );
    positions.forEach((i, n) => {
      out[i] = entries[n]!;
    });
  }
  return out;
}

/** Reads one key of a tenant, counting the hit or miss: a miss is CACHE_002 when the key expired, else CACHE_001. */
export async function lookupV2(deps: RouteDeps, tenant: string, key: string): Promise<CacheEntry> {
  const answer = await deps.client.transport.kvGet(tenant, [assertCacheKey(key)]);
  const entry = answer[0] ?? null;
  deps.metrics.lookup(tenant, entry === null ? 0 : 1, entry === null ? 1 : 0);
  if (entry !== null) return entry;
  if (isExpiredAt(answer, 0)) throw new KeyExpiredError(`key ${key} expired`, { details: { key } });
  throw new NotFoundError(`key ${key} not found`);
}
