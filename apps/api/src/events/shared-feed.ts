import type { CacheClient, EventPage, WatchOptions } from '@org/cache-client';
import { watchQuery } from '@org/cache-client/transports';
import { type CacheEvent, comparePositions, type EventPosition, parseEventId } from '@org/cache-core';

/** Events read per catch-up page. */
const CATCH_UP_PAGE = 10_000;

/** A reader's queue passed its bound: it is dropped (it resumes with Last-Event-ID). */
export class SlowReaderError extends Error {
  constructor(readonly maxQueued: number) {
    super(`more than ${maxQueued} events waited for this reader`);
    this.name = 'SlowReaderError';
  }
}

interface Reader {
  match: (event: CacheEvent) => boolean;
  /** Matching events the feed delivered since the reader joined, not yet taken. */
  queue: CacheEvent[];
  failure: unknown;
  wake: (() => void) | null;
}

const positionOf = (event: CacheEvent) => parseEventId(event.id)!;
const isAfter = (event: CacheEvent, after: EventPosition | null) =>
  after === null || comparePositions(positionOf(event), after) > 0;

/**
 * Every change-feed reader of the process served by one follower of the outbox (`client.watch`
 * of every kind and tenant, on one Redis connection), each reader filtered by its own kinds,
 * tenant and pattern. Before, each reader followed the outbox itself: a Redis connection per
 * reader and, per step, a read of each of the 64 device streams; now that work is done once.
 *
 * The follower runs while at least one reader is joined. A reader from `now` takes what the
 * follower delivers after it joined. A reader that resumes (an event id, or null for the oldest
 * kept) first reads the outbox itself, page by page, up to what is final; then joins; at its first
 * event from the follower it reads once more what lies between the last event it delivered and
 * that one (the follower may have started after its last page), so nothing is lost at the seam and
 * nothing is delivered twice (events at or before the last delivered position are skipped).
 * A reader's queue is bounded (`maxQueued`): past it the reader fails with `SlowReaderError`
 * instead of the process holding events for it without end. When the follower fails (Redis lost),
 * every joined reader fails with its error; a reader that comes back resumes with its last id.
 */
export class SharedFeed {
  readonly #client: CacheClient;
  readonly #maxQueued: number;
  readonly #readers = new Set<Reader>();
  #follower: AbortController | null = null;

  constructor(client: CacheClient, maxQueued: number) {
    this.#client = client;
    this.#maxQueued = maxQueued;
  }

  /** Readers joined now (for tests and metrics). */
  get readers(): number {
    return this.#readers.size;
  }

  /** True while the one follower of the outbox runs. */
  get following(): boolean {
    return this.#follower !== null;
  }

  /** The events of `options` (checked here, at the call: CACHE_004 / CACHE_007), until `signal` aborts. */
  watch(options: WatchOptions & { signal: AbortSignal }): AsyncGenerator<CacheEvent> {
    const { query, match } = watchQuery(options, this.#client.tenant);
    const since = query.since;
    return this.#serve(match, since, options.signal);
  }

  async *#serve(
    match: (event: CacheEvent) => boolean,
    since: string | null | 'now',
    signal: AbortSignal,
  ): AsyncGenerator<CacheEvent> {
    let after: EventPosition | null = null;
    const resumes = since !== 'now';
    if (resumes) {
      after = since === null ? null : parseEventId(since);
      for await (const page of this.#history(after, null, signal)) {
        for (const event of page) if (match(event)) yield event;
        after = positionOf(page.at(-1)!);
      }
    }
    const reader: Reader = { match, queue: [], failure: undefined, wake: null };
    const onAbort = () => reader.wake?.();
    signal.addEventListener('abort', onAbort, { once: true });
    this.#join(reader);
    try {
      let seamRead = !resumes;
      while (!signal.aborted) {
        if (reader.queue.length > 0) {
          const batch = reader.queue;
          reader.queue = [];
          if (!seamRead) {
            seamRead = true;
            const first = positionOf(batch[0]!);
            for await (const page of this.#history(after, first, signal)) {
              for (const event of page) if (match(event)) yield event;
              after = positionOf(page.at(-1)!);
            }
          }
          for (const event of batch) {
            if (!isAfter(event, after)) continue;
            after = positionOf(event);
            yield event;
          }
          continue;
        }
        if (reader.failure !== undefined) throw reader.failure;
        await new Promise<void>((resolve) => {
          reader.wake = resolve;
        });
        reader.wake = null;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.#leave(reader);
    }
  }

  /**
   * The outbox after `after` (and before `before`, when given) as it is final now, a page at a
   * time (pages of the transport: the client's page bound is for callers, this is the feed's own).
   */
  async *#history(
    after: EventPosition | null,
    before: EventPosition | null,
    signal: AbortSignal,
  ): AsyncGenerator<CacheEvent[]> {
    let since = after === null ? null : `${after.ms}-${after.seq}-${after.source}`;
    while (!signal.aborted) {
      const page = await this.#readPage(since, CATCH_UP_PAGE);
      let events = page.events;
      if (before !== null && events.length > 0 && comparePositions(positionOf(events.at(-1)!), before) >= 0) {
        events = events.filter((e) => comparePositions(positionOf(e), before) < 0);
        if (events.length > 0) yield events;
        return;
      }
      if (events.length > 0) {
        since = events.at(-1)!.id;
        yield events;
      }
      if (!page.more) return;
      if (events.length === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  /** One page of the outbox from the transport (every transport the API runs on reads the outbox). */
  #readPage(since: string | null, limit: number): Promise<EventPage> {
    const transport = this.#client.transport;
    if (transport.readEvents === undefined) return this.#client.readEvents({ since, limit }); // refuses
    return transport.readEvents(since, limit);
  }

  #join(reader: Reader): void {
    this.#readers.add(reader);
    if (this.#follower === null) this.#follow();
  }

  #leave(reader: Reader): void {
    this.#readers.delete(reader);
    if (this.#readers.size === 0 && this.#follower !== null) {
      this.#follower.abort();
      this.#follower = null;
    }
  }

  #follow(): void {
    const controller = new AbortController();
    this.#follower = controller;
    void (async () => {
      let failure: unknown = new Error('the change feed ended');
      try {
        for await (const event of this.#client.watch({ signal: controller.signal })) {
          // a follower stopped (its last reader left) offers nothing more to the next one's readers
          if (this.#follower !== controller) return;
          for (const reader of this.#readers) this.#offer(reader, event);
        }
      } catch (error) {
        failure = error;
      }
      if (this.#follower !== controller) return;
      // a reader that joins from now on starts a new follower; these ones end (and resume)
      this.#follower = null;
      for (const reader of this.#readers) {
        reader.failure = failure;
        reader.wake?.();
      }
    })();
  }

  #offer(reader: Reader, event: CacheEvent): void {
    if (reader.failure !== undefined || !reader.match(event)) return;
    if (reader.queue.length >= this.#maxQueued) {
      reader.failure = new SlowReaderError(this.#maxQueued);
      reader.queue = [];
    } else reader.queue.push(event);
    reader.wake?.();
  }
}
