import { createCacheClient, type WatchQuery } from '@org/cache-client';
import { MemoryTransport } from '@org/cache-client/transports';
import type { CacheEvent } from '@org/cache-core';
import { makeReading } from '@org/cache-testkit';
import { describe, expect, it } from 'vitest';
import { SharedFeed } from './shared-feed.js';

/** The memory store whose outbox follower hands each batch over `lagMs` late (a follower behind the outbox). */
class LaggingTransport extends MemoryTransport {
  lagMs = 0;

  override async *watchEvents(query: WatchQuery, signal: AbortSignal): AsyncGenerator<CacheEvent[]> {
    for await (const batch of super.watchEvents(query, signal)) {
      await new Promise((r) => setTimeout(r, this.lagMs));
      yield batch;
    }
  }
}

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('SharedFeed seam (memory store)', () => {
  it('a resuming reader whose last page is ahead of a lagging follower gets each event once, in order', async () => {
    const transport = new LaggingTransport();
    const client = createCacheClient({ transport: 'custom', implementation: transport });
    const feed = new SharedFeed(client, 1_000);
    const stop = new AbortController();
    const live: CacheEvent[] = [];
    // a reader from now keeps the follower running; the follower then falls 300 ms behind
    void (async () => {
      for await (const e of feed.watch({ signal: stop.signal })) live.push(e);
    })();
    await until(() => feed.following);
    await new Promise((r) => setTimeout(r, 50));
    transport.lagMs = 300;
    for (let i = 0; i < 5; i++) await client.upsertReadings([makeReading(`a${i}`, 'T', 1)]);
    // resumes from the oldest: its pages read all five now, while the follower still holds them
    const resumed: CacheEvent[] = [];
    void (async () => {
      for await (const e of feed.watch({ since: null, signal: stop.signal })) resumed.push(e);
    })();
    await until(() => resumed.length >= 5);
    for (let i = 0; i < 3; i++) await client.upsertReadings([makeReading(`b${i}`, 'T', 1)]);
    await until(() => live.length >= 8);
    await new Promise((r) => setTimeout(r, 700)); // anything delivered twice would have arrived
    const all = (await client.readEvents({ limit: 100 })).events.map((e) => e.id);
    expect(all).toHaveLength(8);
    expect(resumed.map((e) => e.id)).toEqual(all);
    expect(live.map((e) => e.id)).toEqual(all);
    stop.abort();
    await until(() => !feed.following);
  });
});
