import {
  type CacheEvent,
  comparePositions,
  DEVICE_BUCKETS,
  decodeCacheEvent,
  type EventPosition,
  type KeyScheme,
  type OutboxSettings,
  parseEventId,
  UnavailableError,
} from '@org/cache-core';
import type { Cluster, Redis } from 'ioredis';
import type { EventPage, WriteContext } from '../transport.js';
import { masterNodes } from './connection.js';

/** Re-reads when events of the current millisecond were held back (2 ms apart). */
const WATERMARK_RETRIES = 5;

/** One outbox stream and the source name its event ids carry. */
export interface OutboxStream {
  key: string;
  source: string;
}

/** The streams of the outbox: every device bucket, each tenant that has one, the whole-cache stream. */
export async function outboxStreams(redis: Redis | Cluster, keys: KeyScheme): Promise<OutboxStream[]> {
  const streams = Array.from({ length: DEVICE_BUCKETS }, (_, b) => ({
    key: keys.bucketEvents(b),
    source: `d${b}`,
  }));
  let cursor = '0';
  do {
    const [next, tenants] = await redis.sscan(keys.eventTenants, cursor, 'COUNT', 500);
    cursor = next;
    for (const t of tenants) streams.push({ key: keys.kvEvents(t), source: `t.${t}` });
  } while (cursor !== '0');
  streams.push({ key: keys.globalEvents, source: 'g' });
  return streams;
}

/**
 * The watermark: the lowest server clock (ms) of the masters. Every event of an earlier
 * millisecond is already in its stream (XADD ids are the server's ms, never lower than its
 * clock), so below it the order (ms, seq, source) is final and a reader resuming at the last
 * event it saw misses nothing. Read it before the streams.
 */
export async function outboxWatermark(redis: Redis | Cluster): Promise<number> {
  const masters = masterNodes(redis);
  if (masters.length === 0) throw new UnavailableError('Redis has no master to read the outbox from');
  const times = await Promise.all(masters.map((node) => node.time()));
  let low = Number.POSITIVE_INFINITY;
  for (const [seconds, micros] of times)
    low = Math.min(low, Number(seconds) * 1000 + Math.floor(Number(micros) / 1000));
  return low;
}

/** XRANGE start of a stream for the events after `after` in the order (ms, seq, source). */
export function rangeStart(after: EventPosition | null, source: string): string {
  if (after === null) return '-';
  const id = `${after.ms}-${after.seq}`;
  return source > after.source ? id : `(${id}`;
}

/**
 * Reads up to `perStream` entries after `after` from each stream and merges them in the order
 * (ms, seq, source), keeping only what is final: events before the watermark, and no further
 * than the last entry of a stream whose page was full (its next entries are not read yet).
 * `watermark` must be read before `streams` were listed: a tenant stream listed later is
 * registered before its first event is written (see `RedisKv`), so its events are at or above
 * the watermark and wait for the next read instead of being passed over.
 */
export async function readStreams(
  redis: Redis | Cluster,
  streams: readonly OutboxStream[],
  after: EventPosition | null,
  perStream: number,
  watermark: number,
  max = Number.POSITIVE_INFINITY,
): Promise<{ events: { position: EventPosition; event: CacheEvent }[]; more: boolean }> {
  const replies = await Promise.all(
    streams.map(
      (s) =>
        redis.xrange(s.key, rangeStart(after, s.source), '+', 'COUNT', perStream) as Promise<
          [string, string[]][]
        >,
    ),
  );
  let bound: EventPosition = { ms: watermark, seq: -1, source: '' };
  let more = false;
  // positions first, events decoded only for the entries kept (a full page keeps fewer than it read)
  const read: { position: EventPosition; id: string; fields: string[] }[] = [];
  replies.forEach((entries, k) => {
    const source = streams[k]!.source;
    for (const [id, fields] of entries) read.push({ position: streamPosition(id, source), id, fields });
    if (entries.length === perStream) {
      more = true;
      const last = read.at(-1)!.position;
      if (comparePositions(last, bound) < 0) bound = last;
    }
  });
  read.sort((a, b) => comparePositions(a.position, b.position));
  let final = read.filter((e) => comparePositions(e.position, bound) <= 0 && e.position.ms < watermark);
  if (final.length > max) final = final.slice(0, max);
  const events = final.map((e) => ({
    position: e.position,
    event: decodeCacheEvent(e.id, e.position.source, e.fields),
  }));
  return { events, more: more || final.length < read.length };
}

/** The position of a stream entry (`<ms>-<seq>`, as Redis wrote it) in the stream `source`. */
function streamPosition(id: string, source: string): EventPosition {
  const dash = id.indexOf('-');
  return { ms: Number(id.slice(0, dash)), seq: Number(id.slice(dash + 1)), source };
}

/** Entries read from each stream per round of `readOutbox`, at least. */
const MIN_PER_STREAM = 16;
/** What a round reads from each stream, as a share of the page left to fill (split over the streams). */
const PER_STREAM_SHARE = 1.25;

/**
 * Reads the outbox after `since`, at most `limit` events in the delivery order. The page is filled
 * in rounds that read a share of it from every stream (1.25 times what is left to fill in all, at
 * least 16 entries a stream), not `limit` entries of each of the 64 device streams and every
 * tenant's: a page of 1,000 read up to 65,000 entries to keep 1,000 before.
 */
export async function readOutbox(
  redis: Redis | Cluster,
  keys: KeyScheme,
  since: string | null,
  limit: number,
): Promise<EventPage> {
  let after = since === null ? null : parseEventId(since);
  const page: CacheEvent[] = [];
  let more = true;
  let waits = 0;
  while (page.length < limit && more) {
    // the watermark first, then the streams: a tenant stream created in between is not passed over
    const watermark = await outboxWatermark(redis);
    const streams = await outboxStreams(redis, keys);
    const wanted = limit - page.length;
    const perStream = Math.min(
      wanted,
      Math.max(MIN_PER_STREAM, Math.ceil((PER_STREAM_SHARE * wanted) / streams.length)),
    );
    const read = await readStreams(redis, streams, after, perStream, watermark, wanted);
    more = read.more;
    for (const e of read.events) page.push(e.event);
    if (page.length > 0) after = parseEventId(page.at(-1)!.id);
    if (read.events.length === 0 && more) {
      // events of the current millisecond wait for the watermark: a few ms at most (clock skew)
      if (++waits > WATERMARK_RETRIES) break;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
  return { events: page, more };
}

/** Appends the whole-cache event of a flush (after it: a flush spans every slot, no script can hold it). */
export async function appendFlushEvent(
  redis: Redis | Cluster,
  keys: KeyScheme,
  outbox: OutboxSettings,
  context: WriteContext | undefined,
): Promise<void> {
  if (!outbox.enabled) return;
  const fields = ['o', 'flush', 's', outbox.serviceId];
  if (context?.correlationId) fields.push('c', context.correlationId);
  await redis.xadd(keys.globalEvents, 'MAXLEN', '~', outbox.maxLength, '*', ...fields);
}
