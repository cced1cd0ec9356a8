import type { CacheEvent } from '@org/cache-core';
import { SlowReaderError } from '../events/shared-feed.js';

/** Settings of one server-sent-events answer. */
export interface SseSettings {
  /** A comment line this often keeps proxies and clients from timing the stream out. */
  heartbeatMs: number;
  /** Events written but not yet taken by the socket; at this many, reading from Redis pauses. */
  maxBufferedEvents: number;
  /** How long a full buffer may stay full before the reader is dropped. */
  stallMs: number;
}

export const DEFAULT_SSE: SseSettings = { heartbeatMs: 15_000, maxBufferedEvents: 10_000, stallMs: 30_000 };

/** One event as an SSE frame: `id` (for Last-Event-ID), `event` (the type), `data` (the JSON). */
export function sseFrame(event: CacheEvent): string {
  return `id: ${event.id}\nevent: ${event.event}\ndata: ${JSON.stringify(event)}\n\n`;
}

/**
 * The body of an SSE answer over a watch: frames as events arrive, a heartbeat comment when idle,
 * and a bounded buffer: at `maxBufferedEvents` waiting for the socket, the watch is not read
 * further (a reader catching up is paced by its socket, the events wait in Redis). When the buffer
 * stays full for `stallMs`, a final `cache.stream.dropped` event says so (with the id to resume
 * after: the last event written) and the stream ends, so memory never grows with a slow reader.
 * The same frame ends it when the watch gives up on the reader (`SlowReaderError`: the shared
 * feed's queue of a live reader is full); any other error of the watch ends it with
 * `cache.stream.failed`. The watch ends when the reader goes away (cancel) or the stream ends.
 */
export function sseBody(
  events: AsyncIterable<CacheEvent>,
  controller: AbortController,
  settings: SseSettings,
  onEnd: (reason: 'closed' | 'dropped' | 'failed') => void,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let heartbeat: NodeJS.Timeout | undefined;
  let ended = false;
  let drained: (() => void) | null = null;
  const spaceOrTimeout = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, settings.stallMs);
      drained = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const end = (reason: 'closed' | 'dropped' | 'failed') => {
    if (ended) return;
    ended = true;
    clearInterval(heartbeat);
    controller.abort();
    onEnd(reason);
  };
  return new ReadableStream<Uint8Array>(
    {
      start(stream) {
        // the first bytes at once: the client knows the stream is open before any event
        stream.enqueue(encoder.encode(`: events\nretry: 1000\n\n`));
        heartbeat = setInterval(() => {
          if (!ended && (stream.desiredSize ?? 0) > 0) stream.enqueue(encoder.encode(': heartbeat\n\n'));
        }, settings.heartbeatMs);
        heartbeat.unref();
        let lastId: string | null = null;
        // the last frame of a reader that fell too far behind: where to resume from
        const drop = (message: string) => {
          const body = JSON.stringify({
            event: 'cache.stream.dropped',
            reason: 'slow_reader',
            message,
            last_event_id: lastId,
          });
          stream.enqueue(encoder.encode(`event: cache.stream.dropped\ndata: ${body}\n\n`));
          stream.close();
          end('dropped');
        };
        void (async () => {
          try {
            for await (const event of events) {
              if (ended) return;
              if ((stream.desiredSize ?? 0) <= 0) await spaceOrTimeout();
              drained = null;
              if (ended) return;
              if ((stream.desiredSize ?? 0) <= 0) {
                drop(
                  `${settings.maxBufferedEvents} events waited ${settings.stallMs} ms for this reader; reconnect with Last-Event-ID`,
                );
                return;
              }
              stream.enqueue(encoder.encode(sseFrame(event)));
              lastId = event.id;
            }
            if (!ended) {
              stream.close();
              end('closed');
            }
          } catch (error) {
            if (ended) return;
            if (error instanceof SlowReaderError) {
              drop(`${error.message}; reconnect with Last-Event-ID`);
              return;
            }
            const body = JSON.stringify({ event: 'cache.stream.failed', last_event_id: lastId });
            stream.enqueue(encoder.encode(`event: cache.stream.failed\ndata: ${body}\n\n`));
            stream.close();
            end('failed');
          }
        })();
      },
      pull() {
        drained?.();
      },
      cancel() {
        drained?.();
        end('closed');
      },
    },
    new CountQueuingStrategy({ highWaterMark: settings.maxBufferedEvents }),
  );
}
