import { type CacheClient, createCacheClient, type WatchOptions } from '@org/cache-client';
import { watchQuery } from '@org/cache-client/transports';
import type { CacheEvent } from '@org/cache-core';
import { makeReading, type RedisClusterServer, startRedis, startRedisCluster } from '@org/cache-testkit';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisApiHarness } from '../test/redis-api.js';
import { serveApp } from '../test/serve.js';
import { SharedFeed, SlowReaderError } from './shared-feed.js';

const h = redisApiHarness();

/** Clients connected to the test's Redis now. */
async function connectedClients(url: string): Promise<number> {
  const redis = new Redis(url);
  try {
    const list = (await redis.client('LIST')) as string;
    return list.trim().split('\n').length - 1; // without this one
  } finally {
    redis.disconnect();
  }
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A reader of the feed in the background: what it received, and how to stop it. */
function follow(feed: SharedFeed, options: WatchOptions) {
  const controller = new AbortController();
  const received: CacheEvent[] = [];
  let failure: unknown;
  const done = (async () => {
    try {
      for await (const event of feed.watch({ ...options, signal: controller.signal })) received.push(event);
    } catch (error) {
      failure = error;
    }
  })();
  return {
    received,
    failure: () => failure,
    stop: async () => {
      controller.abort();
      await done;
    },
  };
}

/** The filters readers use in the property: every kind, one tenant's keys, a key pattern. */
const FILTERS: WatchOptions[] = [
  {},
  { kinds: ['device'] },
  { kinds: ['kv'], tenant: 'a' },
  { tenant: 'b' },
  { pattern: 'x*' },
];

type Step =
  | { write: 'device' | 'a' | 'b'; key: string }
  | { open: number; since: 'now' | 'oldest' | 'latest' | 'first' }
  | { close: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ write: fc.constantFrom('device', 'a', 'b'), key: fc.constantFrom('x1', 'x2', 'y1') }),
  fc.record({
    open: fc.nat(FILTERS.length - 1),
    since: fc.constantFrom('now', 'oldest', 'latest', 'first'),
  }),
  fc.record({ close: fc.nat(20) }),
) as fc.Arbitrary<Step>;

describe('SharedFeed: every change-feed reader of a process on one follower', () => {
  it('serves many SSE readers with one Redis connection, and none once they left', async () => {
    const api = await h.start();
    const url = h.redisUrl();
    await api.client.upsertReadings([makeReading('warm', 'T', 1)]);
    const before = await connectedClients(url);
    const readers = await Promise.all(
      Array.from({ length: 20 }, () =>
        fetch(`${api.url}/api/v2/events`, {
          headers: { accept: 'text/event-stream', 'x-tenant-id': 'acme' },
        }),
      ),
    );
    expect(readers.map((r) => r.status)).toEqual(readers.map(() => 200));
    const bodies = readers.map((r) => r.body!.getReader());
    await Promise.all(bodies.map((b) => b.read())); // the stream's first bytes: it is open
    await new Promise((r) => setTimeout(r, 300));
    // one connection follows the outbox for all 20 (each reader held one of its own before)
    expect(await connectedClients(url)).toBeLessThanOrEqual(before + 1);
    await api.client.upsertReadings([makeReading('dev-1', 'T', 2)]);
    const texts = await Promise.all(
      bodies.map(async (b) => {
        let text = '';
        while (!text.includes('dev-1')) text += new TextDecoder().decode((await b.read()).value);
        return text;
      }),
    );
    expect(texts.every((t) => t.includes('"device_id":"dev-1"'))).toBe(true);
    await Promise.all(bodies.map((b) => b.cancel()));
    await until(async () => (await connectedClients(url)) <= before);
  });

  it('ends every reader with cache.stream.failed and its last id when Redis goes away', async () => {
    const own = await startRedis();
    const client = createCacheClient({ transport: 'redis', url: own.url, keyPrefix: h.prefix() });
    const served = await serveApp({ client, limits: { rateLimit: null } });
    h.track(served);
    const readers = await Promise.all(
      [1, 2, 3].map(() =>
        fetch(`${served.url}/api/v2/events`, {
          headers: { accept: 'text/event-stream', 'x-tenant-id': 'a' },
        }),
      ),
    );
    const texts = readers.map((r) => {
      const out = { text: '' };
      void (async () => {
        const body = r.body!.getReader();
        for (;;) {
          const { value, done } = await body.read();
          if (done) return;
          out.text += new TextDecoder().decode(value);
        }
      })();
      return out;
    });
    await new Promise((r) => setTimeout(r, 300));
    await client.upsertReadings([makeReading('before-outage', 'T', 1)]);
    await until(() => texts.every((t) => t.text.includes('before-outage')));
    const lastId = /id: (\S+)/.exec(texts[0]!.text)![1];
    await own.stop();
    await until(() => texts.every((t) => t.text.includes('cache.stream.failed')));
    for (const t of texts) {
      const failed = /event: cache\.stream\.failed\ndata: (.*)/.exec(t.text)!;
      expect(JSON.parse(failed[1]!)).toEqual({ event: 'cache.stream.failed', last_event_id: lastId });
    }
  });

  it('drops a reader whose queue passes its bound with SlowReaderError, and keeps serving the others', async () => {
    const client = createCacheClient({ transport: 'redis', url: h.redisUrl(), keyPrefix: h.prefix() });
    const feed = new SharedFeed(client, 5);
    const controller = new AbortController();
    const slow = feed.watch({ signal: controller.signal });
    const first = slow.next(); // joins, then takes one event and no more
    const fast = follow(feed, {});
    await until(() => feed.following);
    await new Promise((r) => setTimeout(r, 100));
    for (let i = 0; i < 12; i++) await client.upsertReadings([makeReading(`d${i}`, 'T', 1)]);
    expect(((await first).value as CacheEvent).data.device_id).toBe('d0');
    await until(() => fast.received.length === 12);
    await expect(slow.next()).rejects.toBeInstanceOf(SlowReaderError);
    expect(fast.failure()).toBeUndefined();
    await fast.stop();
    controller.abort();
    expect(feed.following).toBe(false);
    await client.close();
  });

  it('property on Redis: readers joining, resuming and leaving at random get every event of their filter once, in order', async () => {
    await readersProperty(
      () => createCacheClient({ transport: 'redis', url: h.redisUrl(), keyPrefix: h.prefix() }),
      25,
    );
  }, 120_000);
});

describe('SharedFeed over a 3-master Redis Cluster', () => {
  let cluster: RedisClusterServer;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('property on Cluster: the same, events of several masters merged in one order', async () => {
    await readersProperty(
      () => createCacheClient({ transport: 'redis', clusterNodes: cluster.nodes, keyPrefix: h.prefix() }),
      12,
    );
  }, 180_000);
});

/**
 * Random steps (writes to devices and two tenants, readers of five filters opened from now, the
 * oldest, the first or the latest event, readers closed), then one event each filter takes: a
 * reader open to the end gets exactly the events of its filter after its start, once and in the
 * outbox order; a closed one a gapless run of them; and the follower stops with the last reader.
 */
async function readersProperty(makeClient: () => CacheClient, numRuns: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 14 }), async (steps) => {
      const client = makeClient();
      const feed = new SharedFeed(client, 10_000);
      const readers: {
        options: WatchOptions;
        since: string | null | undefined;
        closed: boolean;
        r: ReturnType<typeof follow>;
      }[] = [];
      let n = 0;
      const write = async (to: 'device' | 'a' | 'b', key: string) => {
        n++;
        if (to === 'device') await client.upsertReadings([makeReading(key, 'T', n)]);
        else await client.forTenant(to).set(key, n);
      };
      try {
        for (const s of steps) {
          if ('write' in s) await write(s.write, s.key);
          else if ('open' in s) {
            const page = await client.readEvents({ limit: 1000 });
            const since =
              s.since === 'now'
                ? undefined
                : s.since === 'oldest'
                  ? null
                  : ((s.since === 'latest' ? page.events.at(-1) : page.events[0])?.id ?? null);
            const options = { ...FILTERS[s.open]!, since };
            readers.push({ options, since, closed: false, r: follow(feed, options) });
          } else if (readers.length > 0) {
            const reader = readers[s.close % readers.length]!;
            reader.closed = true;
            await reader.r.stop();
          }
        }
        // once every reader is live, one event each filter takes: every open reader must get them
        await new Promise((r) => setTimeout(r, 50));
        await write('device', 'x-end');
        await write('a', 'x-end');
        await write('b', 'x-end');
        const all = (await client.readEvents({ limit: 1000 })).events;
        const ids = (events: CacheEvent[]) => events.map((e) => e.id);
        for (const { options, since, closed, r } of readers) {
          const { match } = watchQuery(options, 'default');
          const after = since === undefined || since === null ? -1 : all.findIndex((e) => e.id === since);
          const expected = ids(all.slice(after + 1).filter(match));
          // a reader open to the end gets the last event of its filter (one of the three above)
          if (!closed) await until(() => r.received.at(-1)?.id === expected.at(-1), 5_000);
          await r.stop();
          expect(r.failure()).toBeUndefined();
          const got = ids(r.received);
          expect(new Set(got).size).toBe(got.length);
          if (since === undefined) {
            // from now: a contiguous run of the expected events (up to the last one when open to the end)
            const start = got.length === 0 ? expected.length : expected.indexOf(got[0]!);
            expect(start).toBeGreaterThanOrEqual(0);
            expect(got).toEqual(expected.slice(start, start + got.length));
            if (!closed) expect(got).toEqual(expected.slice(start));
          } else {
            // resumed: the events after `since` from the first on (all of them when open to the end)
            expect(got).toEqual(closed ? expected.slice(0, got.length) : expected);
          }
        }
        expect(feed.readers).toBe(0);
        expect(feed.following).toBe(false);
      } finally {
        await Promise.all(readers.map(({ r }) => r.stop()));
        await client.close();
      }
    }),
    { numRuns },
  );
}
