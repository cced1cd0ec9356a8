import { type CacheEvent, CacheEvent as CacheEventSchema } from '@org/cache-core';
import { pause, type WatchQuery } from '../watch.js';
import type { HttpRequester } from './http-requester.js';

/** Wait before reconnecting after the stream ended or failed in transit. */
const RECONNECT_MS = 1_000;
/** Events handed on per batch. */
const BATCH = 500;

/**
 * Follows `GET /api/v2/events` (server-sent events): filters sent to the API (kinds, pattern, the
 * tenant as X-Tenant-ID), resumed with Last-Event-ID after the last event seen whenever the
 * stream ends (a dropped slow reader, a restart, the network); a refusal (4xx) is thrown.
 */
export async function* followEventStream(
  http: HttpRequester,
  query: WatchQuery,
  signal: AbortSignal,
): AsyncGenerator<CacheEvent[]> {
  let last: string | null = typeof query.since === 'string' && query.since !== 'now' ? query.since : null;
  let fromOldest = query.since === null;
  while (!signal.aborted) {
    const params = new URLSearchParams({ kinds: [...query.kinds].join(',') });
    if (query.pattern !== null) params.set('pattern', query.pattern);
    if (last === null && fromOldest) params.set('since', '0');
    let response: Response;
    try {
      response = await http.openStream(
        `/api/v2/events?${params}`,
        'watch',
        query.tenant ?? query.callerTenant,
        last === null ? {} : { 'last-event-id': last },
        signal,
      );
    } catch (error) {
      if (signal.aborted) return;
      if ((error as { failure?: string }).failure === 'transient') {
        await pause(RECONNECT_MS, signal);
        continue;
      }
      throw error;
    }
    fromOldest = false;
    try {
      for await (const batch of frames(response.body!, signal)) {
        last = batch.at(-1)!.id;
        yield batch;
      }
    } catch {
      // the connection broke: resume below
    }
    if (!signal.aborted) await pause(RECONNECT_MS / 10, signal);
  }
}

/** The `cache.item.updated` frames of an SSE body, in batches (other frames and comments skipped). */
async function* frames(body: ReadableStream<Uint8Array>, signal: AbortSignal): AsyncGenerator<CacheEvent[]> {
  const reader = body.getReader();
  const onAbort = () => void reader.cancel().catch(() => {});
  signal.addEventListener('abort', onAbort, { once: true });
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      const batch: CacheEvent[] = [];
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const event = parseFrame(buffer.slice(0, end));
        if (event) batch.push(event);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
        if (batch.length === BATCH) yield batch.splice(0);
      }
      if (batch.length > 0) yield batch;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    await reader.cancel().catch(() => {});
  }
}

function parseFrame(frame: string): CacheEvent | null {
  let type = 'message';
  let data = '';
  for (const line of frame.split('\n')) {
    if (line.startsWith('event: ')) type = line.slice(7);
    else if (line.startsWith('data: ')) data += line.slice(6);
  }
  if (type !== 'cache.item.updated' || data === '') return null;
  try {
    const parsed = CacheEventSchema.safeParse(JSON.parse(data));
    return parsed.success ? parsed.data : null;
  } catch {
    return null; // not JSON: not an event of this API
  }
}
