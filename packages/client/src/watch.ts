import {
  assertGlob,
  assertTenant,
  type CacheEvent,
  type CacheEventKind,
  checkEventId,
  compileGlob,
  ValidationError,
} from '@org/cache-core';

/** What `CacheClient.watch` follows. */
export interface WatchOptions {
  /** Event kinds to deliver (default all: `device`, `kv`, `cache`). */
  kinds?: readonly CacheEventKind[];
  /** A glob (Redis MATCH syntax) over the event's key: the device id or the tenant key. */
  pattern?: string;
  /** Only this tenant's key events (device and cache events are not a tenant's). */
  tenant?: string;
  /** Start after this event id; null: from the oldest event kept; default: only new events. */
  since?: string | null;
  /** Ends the iteration. */
  signal?: AbortSignal;
}

/** A watch request after validation (what transports receive). */
export interface WatchQuery {
  kinds: ReadonlySet<CacheEventKind>;
  tenant: string | null;
  /** The checked glob, or null for all (transports that filter at the source use it). */
  pattern: string | null;
  /** The client's own tenant: where a transport must name one (HTTP's X-Tenant-ID) and none was asked. */
  callerTenant: string;
  /** An event id, null (from the oldest kept) or `now` (only new events). */
  since: string | null | 'now';
}

const KINDS: readonly CacheEventKind[] = ['device', 'kv', 'cache'];

/** Checks watch options (CACHE_004 for a bad pattern or tenant, CACHE_007 otherwise). */
export function watchQuery(
  options: WatchOptions,
  callerTenant: string,
): { query: WatchQuery; match: (e: CacheEvent) => boolean } {
  const kinds = options.kinds ?? KINDS;
  if (
    !Array.isArray(kinds) ||
    kinds.length === 0 ||
    kinds.length > 3 ||
    kinds.some((k) => !KINDS.includes(k))
  ) {
    throw new ValidationError('kinds must be a non-empty list of device, kv, cache', {
      details: { field: 'kinds' },
    });
  }
  const tenant = options.tenant === undefined ? null : assertTenant(options.tenant);
  const pattern =
    options.pattern === undefined || options.pattern === '*' ? null : assertGlob(options.pattern);
  const since = options.since === undefined ? 'now' : checkEventId(options.since);
  const glob = pattern === null ? null : compileGlob(pattern);
  const kindSet = new Set(kinds);
  const match = (e: CacheEvent) =>
    kindSet.has(e.data.kind) &&
    (tenant === null || e.data.kind !== 'kv' || e.data.tenant === tenant) &&
    (glob === null || e.data.kind === 'cache' || glob(e.data.key));
  return { query: { kinds: kindSet, tenant, pattern, callerTenant, since }, match };
}

/** Resolves after `ms`, or at once when the signal aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
