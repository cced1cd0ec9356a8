import {
  type CacheEvent,
  DEVICE_BUCKETS,
  type EventPosition,
  type KeyScheme,
  parseEventId,
  UnavailableError,
} from '@org/cache-core';
import { Cluster, type Redis } from 'ioredis';
import { pause, type WatchQuery } from '../watch.js';
import { whenReady } from './connection.js';
import { type OutboxStream, outboxStreams, outboxWatermark, readStreams } from './redis-outbox.js';

/** Entries read per stream per step. */
const PER_STREAM = 500;
/** How long one XREAD BLOCK waits (standalone) before the step repeats. */
const BLOCK_MS = 1_000;
/** Cluster: the pause between idle reads (XREAD cannot block on streams of several slots). */
const CLUSTER_POLL_MS = 20;
/** How long the watch's own connection may take to be ready. */
const READY_TIMEOUT_MS = 5_000;

/**
 * Follows the outbox streams the query needs on a dedicated connection (a blocked XREAD would
 * hold up every other command of a shared one): each step reads every stream after the last
 * delivered position, below the watermark, in the delivery order (see readStreams); when nothing
 * is new it waits with XREAD BLOCK on all the streams (standalone) or polls (Cluster).
 */
export async function* followOutbox(
  shared: Redis | Cluster,
  keys: KeyScheme,
  query: WatchQuery,
  signal: AbortSignal,
): AsyncGenerator<CacheEvent[]> {
  const redis = shared.duplicate() as Redis | Cluster;
  redis.on('error', () => {});
  const onAbort = () => redis.disconnect();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    if (!(await orAbort(whenReady(redis, READY_TIMEOUT_MS), signal, true))) {
      throw new UnavailableError('Redis is unavailable (watch)', { details: { operation: 'watch' } });
    }
    let after: EventPosition | null;
    if (query.since === 'now') {
      const watermark = await orAbort(outboxWatermark(redis), signal, 0);
      after = { ms: watermark - 1, seq: Number.MAX_SAFE_INTEGER, source: '~' };
    } else {
      after = query.since === null ? null : parseEventId(query.since);
    }
    let streams = await orAbort(selectStreams(redis, keys, query), signal, []);
    // every tenant's stream: listed again before each read, after the watermark (see readStreams),
    // so a tenant's first events are never passed over by a read that did not know its stream yet
    const everyTenant = query.kinds.has('kv') && query.tenant === null;
    while (!signal.aborted) {
      const watermark = await orAbort(outboxWatermark(redis), signal, 0);
      if (everyTenant) streams = await orAbort(selectStreams(redis, keys, query), signal, streams);
      const { events, more } = await orAbort(
        readStreams(redis, streams, after, PER_STREAM, watermark),
        signal,
        NOTHING,
      );
      if (signal.aborted) return;
      if (events.length > 0) {
        after = events.at(-1)!.position;
        yield events.map((e) => e.event);
        continue;
      }
      if (more) {
        await pause(1, signal); // events of the current millisecond: the watermark passes it soon
      } else if (redis instanceof Cluster) {
        await pause(CLUSTER_POLL_MS, signal);
      } else {
        const id = after === null ? '0-0' : `${after.ms}-${Math.min(after.seq, Number.MAX_SAFE_INTEGER)}`;
        await orAbort(
          redis.xread(
            'COUNT',
            1,
            'BLOCK',
            BLOCK_MS,
            'STREAMS',
            ...streams.map((s) => s.key),
            ...streams.map(() => id),
          ),
          signal,
          null,
        );
      }
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  } finally {
    signal.removeEventListener('abort', onAbort);
    redis.disconnect();
  }
}

const NOTHING = { events: [], more: false };

/**
 * Settles with the promise, or with `aborted` as soon as the signal aborts: a command caught by
 * the abort's disconnect may never settle (ioredis keeps a Cluster's offline queue), and a
 * watch must end at once. A late rejection is swallowed.
 */
function orAbort<T, A>(promise: Promise<T>, signal: AbortSignal, aborted: A): Promise<T | A> {
  promise.catch(() => {});
  if (signal.aborted) return Promise.resolve(aborted);
  return new Promise<T | A>((resolve, reject) => {
    const onAbort = () => resolve(aborted);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** The streams a query needs: device buckets, one tenant's or every tenant's, the whole-cache one. */
async function selectStreams(
  redis: Redis | Cluster,
  keys: KeyScheme,
  query: WatchQuery,
): Promise<OutboxStream[]> {
  if (query.tenant === null && query.kinds.has('kv')) {
    const all = await outboxStreams(redis, keys);
    return all.filter(
      (s) =>
        (s.source.startsWith('d') ? query.kinds.has('device') : true) &&
        (s.source !== 'g' || query.kinds.has('cache')),
    );
  }
  const streams: OutboxStream[] = [];
  if (query.kinds.has('device')) {
    for (let b = 0; b < DEVICE_BUCKETS; b++) streams.push({ key: keys.bucketEvents(b), source: `d${b}` });
  }
  if (query.kinds.has('kv') && query.tenant !== null) {
    streams.push({ key: keys.kvEvents(query.tenant), source: `t.${query.tenant}` });
  }
  if (query.kinds.has('cache')) streams.push({ key: keys.globalEvents, source: 'g' });
  return streams;
}
