import type { CacheEntry } from '../models/cache-entry.js';
import type { AppliedWriteOptions } from './kv-write-options.js';

/** What was applied to each written entry (the answer of `set` / `setMany`), beside the entry. */
const appliedOf = new WeakMap<CacheEntry, AppliedWriteOptions>();

export function recordApplied(entry: CacheEntry, applied: AppliedWriteOptions): CacheEntry {
  appliedOf.set(entry, applied);
  return entry;
}

/**
 * The options applied to an entry a `set` or `setMany` answered (compression, encryption, key id,
 * consistency and replication, cache type, bytes stored), or undefined when the client has no
 * value codec installed (or over HTTP, when the server said nothing).
 */
export function appliedOptionsOf(entry: CacheEntry): AppliedWriteOptions | undefined {
  return appliedOf.get(entry);
}
