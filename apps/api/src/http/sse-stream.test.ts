import type { CacheEvent } from '@org/cache-core';
import { describe, expect, it } from 'vitest';
import { SlowReaderError } from '../events/shared-feed.js';
import { sseBody } from './sse-stream.js';

const event = (n: number): CacheEvent => ({
  id: `${1_700_000_000_000 + n}-0-d1`,
  event: 'cache.item.updated',
  version: '1.0',
  correlation_id: null,
  data: {
    key: `k${n}`,
    operation: 'upsert',
    timestamp: '2023-11-14T22:13:20.000Z',
    service_id: 's',
    kind: 'device',
  },
});

async function* produce(n: number, signal: AbortSignal): AsyncGenerator<CacheEvent> {
  for (let i = 0; i < n && !signal.aborted; i++) yield event(i);
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

async function readAll(body: ReadableStream<Uint8Array>, ms: number): Promise<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const timer = setTimeout(() => reader.cancel(), ms);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  clearTimeout(timer);
  return text;
}

describe('sseBody', () => {
  it('ends with the dropped frame, not a failure, when the feed gave up on the reader (SlowReaderError)', async () => {
    const controller = new AbortController();
    const ends: string[] = [];
    async function* fellBehind(): AsyncGenerator<CacheEvent> {
      yield event(1);
      yield event(2);
      throw new SlowReaderError(10_000);
    }
    const body = sseBody(
      fellBehind(),
      controller,
      { heartbeatMs: 60_000, maxBufferedEvents: 50, stallMs: 50 },
      (r) => ends.push(r),
    );
    const text = await readAll(body, 2_000);
    const dropped = /event: cache\.stream\.dropped\ndata: (.*)/.exec(text);
    expect(JSON.parse(dropped![1]!)).toMatchObject({ reason: 'slow_reader', last_event_id: event(2).id });
    expect(text).not.toContain('cache.stream.failed');
    expect(ends).toEqual(['dropped']);
  });

  it('drops a reader that does not keep up: a bounded buffer, then one final event naming the resume id', async () => {
    const controller = new AbortController();
    const ends: string[] = [];
    const body = sseBody(
      produce(100_000, controller.signal),
      controller,
      { heartbeatMs: 60_000, maxBufferedEvents: 50, stallMs: 50 },
      (r) => ends.push(r),
    );
    await new Promise((r) => setTimeout(r, 100)); // nobody reads meanwhile
    const text = await readAll(body, 2_000);
    const frames = text.split('\n\n').filter((f) => f.startsWith('id: '));
    expect(frames.length).toBeLessThanOrEqual(51);
    expect(frames.length).toBeGreaterThan(10);
    const dropped = /event: cache\.stream\.dropped\ndata: (.*)/.exec(text);
    expect(dropped).not.toBeNull();
    expect(JSON.parse(dropped![1]!)).toMatchObject({
      reason: 'slow_reader',
      last_event_id: event(frames.length - 1).id,
    });
    expect(ends).toEqual(['dropped']);
    expect(controller.signal.aborted).toBe(true);
  });

  it('paces a reader that catches up: every event arrives when it reads before the stall limit', async () => {
    const controller = new AbortController();
    const body = sseBody(
      produce(2_000, controller.signal),
      controller,
      { heartbeatMs: 60_000, maxBufferedEvents: 20, stallMs: 500 },
      () => {},
    );
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while ((text.match(/^id: /gm)?.length ?? 0) < 2_000) {
      const { value } = await reader.read();
      text += decoder.decode(value, { stream: true });
    }
    await reader.cancel();
    expect(text).not.toContain('cache.stream.dropped');
    expect([...text.matchAll(/^id: (.*)$/gm)].map((m) => m[1])).toEqual(
      Array.from({ length: 2_000 }, (_, n) => event(n).id),
    );
  });

  it('writes every event in order with its id, and heartbeats while idle', async () => {
    const controller = new AbortController();
    const body = sseBody(
      produce(5, controller.signal),
      controller,
      { heartbeatMs: 20, maxBufferedEvents: 100, stallMs: 1_000 },
      () => {},
    );
    const text = await readAll(body, 200);
    expect([...text.matchAll(/^id: (.*)$/gm)].map((m) => m[1])).toEqual(
      [0, 1, 2, 3, 4].map((n) => event(n).id),
    );
    expect(text.match(/: heartbeat/g)?.length ?? 0).toBeGreaterThan(2);
    expect(controller.signal.aborted).toBe(true); // the reader went away: the watch ends
  });
});
