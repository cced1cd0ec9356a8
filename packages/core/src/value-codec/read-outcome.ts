import type { CacheEntry } from '../models/cache-entry.js';

/**
 * Why a read found nothing, beside its answer: the positions of keys that expired while the
 * tenant's key index still remembered them (CACHE_002), recorded on the very array a transport's
 * `kvGet` answers (the transport interface answers `null` for both "never was" and "expired").
 */
const expiredPositions = new WeakMap<readonly (CacheEntry | null)[], ReadonlySet<number>>();

/** Marks positions of a `kvGet` answer as expired keys (a transport calls it). */
export function markExpired<T extends readonly (CacheEntry | null)[]>(
  answer: T,
  positions: Iterable<number>,
): T {
  const set = new Set(positions);
  if (set.size > 0) expiredPositions.set(answer, set);
  return answer;
}

/** True when position `i` of a `kvGet` answer is a key that expired (null beside it). */
export function isExpiredAt(answer: readonly (CacheEntry | null)[], i: number): boolean {
  return expiredPositions.get(answer)?.has(i) ?? false;
}

/** Carries the expired marks of one answer over to another of the same keys (a wrapping transport). */
export function carryExpired<T extends readonly (CacheEntry | null)[]>(
  from: readonly (CacheEntry | null)[],
  to: T,
): T {
  const set = expiredPositions.get(from);
  if (set) expiredPositions.set(to, set);
  return to;
}
