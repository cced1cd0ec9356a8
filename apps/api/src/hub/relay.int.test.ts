import type { NatsConnection } from '@nats-io/transport-node';
import { type CacheClient, createCacheClient } from '@org/cache-client';
import { type CacheEvent, HUB_HEADERS, HubHealthEvent, type Reading } from '@org/cache-core';
import { type NatsServer, type RedisServer, startNats, startRedis } from '@org/cache-testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubStoreFor } from './hub-store.js';
import { natsConnect, streamMessages, testSettings, until } from './hub-test-kit.js';
import { hubSubjects, startHub } from './start-hub.js';

const quiet = { info() {}, warn() {}, error() {} };
const subjects = hubSubjects('');

function reading(device: string, index: string, second: number): Reading {
  return {
    device_id: device,
    request_id: `r-${device}-${second}`,
    timestamp: `2025-06-25T08:${String(Math.floor(second / 60) % 60).padStart(2, '0')}:${String(second % 60).padStart(2, '0')}.000000Z`,
    values: [second],
    labels: null,
    display_names: null,
    index,
    metadata: { datatype_id: 1, datatype_name: 'temperature', datatype_unit: 'C', persist: true },
  } as Reading;
}

/** Every event of the outbox, from the oldest. */
async function allEvents(client: CacheClient): Promise<CacheEvent[]> {
  const out: CacheEvent[] = [];
  let since: string | null = null;
  for (;;) {
    const page = await client.readEvents({ since, limit: 1000 });
    out.push(...page.events);
    if (page.events.length > 0) since = page.events.at(-1)!.id;
    if (!page.more) return out;
  }
}

/** Writes `n` changes of several kinds: device readings, tenant sets and deletes. */
async function writeChanges(client: CacheClient, n: number, tag: string): Promise<void> {
  const tenant = client.forTenant('acme');
  for (let i = 0; i < n; i++) {
    if (i % 3 === 0) await client.upsertReadings([reading(`dev-${tag}-${i % 7}`, i % 2 ? 'T' : 'U', i)]);
    else if (i % 3 === 1) await tenant.set(`k-${tag}-${i}`, { i }, { correlationId: `corr-${tag}-${i}` });
    else await tenant.delete(`k-${tag}-${i - 1}`);
  }
}

describe('message hub relay (real Redis, real nats-server with JetStream)', () => {
  let redis: RedisServer;
  let nats: NatsServer;
  let client: CacheClient;
  let nc: NatsConnection;

  beforeAll(async () => {
    [redis, nats] = await Promise.all([startRedis(), startNats()]);
    client = createCacheClient({ transport: 'redis', url: redis.url });
    nc = await natsConnect(nats.url);
  });
  afterAll(async () => {
    await nc?.close();
    await client?.close();
    await Promise.all([redis?.stop(), nats?.stop()]);
  });

  /** Event ids on the hub, each with how many times it arrived. */
  async function hubIds(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const m of await streamMessages(nc, 'CACHE_EVENTS', subjects.item)) {
      const id = (m.json as CacheEvent).id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  }

  async function expectExactlyOnce(): Promise<number> {
    const events = await allEvents(client);
    await until(async () => (await hubIds()).size >= events.length);
    const counts = await hubIds();
    expect(counts.size).toBe(events.length);
    for (const e of events) expect(counts.get(e.id), e.id).toBe(1);
    return events.length;
  }

  it('publishes every applied change once, with the envelope headers and the document body', async () => {
    const hub = await startHub({ client, settings: testSettings(nats.url), logger: quiet });
    try {
      await writeChanges(client, 90, 'a');
      const total = await expectExactlyOnce();
      expect(total).toBe(90);
      const events = await allEvents(client);
      const messages = await streamMessages(nc, 'CACHE_EVENTS', subjects.item);
      const byId = new Map(events.map((e) => [e.id, e]));
      for (const m of messages) {
        const body = m.json as CacheEvent;
        expect(body).toEqual(byId.get(body.id));
        expect(m.headers[HUB_HEADERS.messageId]).toBe(body.id);
        expect(m.headers[HUB_HEADERS.correlationId]).toBe(body.correlation_id ?? body.id);
        expect(m.headers[HUB_HEADERS.sourceService]).toBe('device-cache');
        expect(m.headers[HUB_HEADERS.eventType]).toBe('cache.item.updated');
        expect(m.headers[HUB_HEADERS.eventVersion]).toBe('1.0');
        expect(m.headers[HUB_HEADERS.timestamp]).toBe(body.data.timestamp);
        expect(m.headers[HUB_HEADERS.ttl]).toBe('86400');
      }
      // in the delivery order of the outbox
      expect(messages.map((m) => (m.json as CacheEvent).id)).toEqual(events.map((e) => e.id));
    } finally {
      await hub.stop();
    }
  });

  it('a restart mid-run loses and repeats nothing; a lost position save is repeated and deduplicated', async () => {
    let hub = await startHub({ client, settings: testSettings(nats.url), logger: quiet });
    const writing = writeChanges(client, 60, 'b');
    await until(async () => hub.relay.published > 5);
    await hub.stop(); // mid-run: writes go on while no relay runs
    await writing;
    await writeChanges(client, 30, 'c');
    hub = await startHub({ client, settings: testSettings(nats.url), logger: quiet });
    try {
      expect(await expectExactlyOnce()).toBe(180);
    } finally {
      await hub.stop();
    }
    // a crash between PubAck and the position save: the saved position is behind what was published
    const events = await allEvents(client);
    const redisRaw = (
      client.transport as unknown as { redis: { set(k: string, v: string): Promise<unknown> } }
    ).redis;
    const keys = (client.transport as unknown as { keys: { hubRelayPosition: string } }).keys;
    await redisRaw.set(keys.hubRelayPosition, events[100]!.id);
    hub = await startHub({ client, settings: testSettings(nats.url), logger: quiet });
    try {
      await until(() => hub.relay.published >= 79);
      expect(hub.relay.published).toBe(79); // re-sent...
      expect(await expectExactlyOnce()).toBe(180); // ...and dropped by JetStream's duplicate window
    } finally {
      await hub.stop();
    }
  });

  it('with two instances only the lease holder relays; the other takes over when it stops', async () => {
    const a = await startHub({ client, settings: testSettings(nats.url), logger: quiet });
    const b = await startHub({ client, settings: testSettings(nats.url), logger: quiet });
    try {
      await writeChanges(client, 30, 'd');
      await until(async () => (await hubIds()).size >= 210);
      expect([a.relay.leading, b.relay.leading].filter(Boolean)).toHaveLength(1);
      const [leader, follower] = a.relay.leading ? [a, b] : [b, a];
      await leader.stop();
      await writeChanges(client, 15, 'e');
      await until(() => follower.relay.leading, 15_000);
      expect(await expectExactlyOnce()).toBe(225);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('keeps going across a nats-server restart: the events written while it was down arrive once', async () => {
    const hub = await startHub({ client, settings: testSettings(nats.url), logger: quiet });
    try {
      const before = await expectExactlyOnce();
      await nats.halt(); // the store survives; the relay's publishes fail until it is back
      await writeChanges(client, 30, 'f');
      await nats.restart();
      expect(await expectExactlyOnce()).toBe(before + 30);
    } finally {
      await hub.stop();
    }
  });

  it('a first start relays from now (HUB_RELAY_START=now) or everything kept (oldest)', async () => {
    for (const start of ['now', 'oldest'] as const) {
      const fresh = createCacheClient({ transport: 'redis', url: redis.url, keyPrefix: `${start}:` });
      const subject = `${start}.cache.item.updated`;
      try {
        await writeChanges(fresh, 9, 'old'); // before the hub ever ran on this prefix
        const hub = await startHub({
          client: fresh,
          settings: testSettings(nats.url, { NATS_SUBJECT_PREFIX: `${start}.`, HUB_RELAY_START: start }),
          logger: quiet,
        });
        try {
          await writeChanges(fresh, 6, 'new');
          const events = await allEvents(fresh);
          const expected = start === 'now' ? events.slice(9) : events;
          await until(
            async () => (await streamMessages(nc, 'CACHE_EVENTS', subject)).length >= expected.length,
          );
          await new Promise((r) => setTimeout(r, 100)); // nothing more comes
          const got = (await streamMessages(nc, 'CACHE_EVENTS', subject)).map(
            (m) => (m.json as CacheEvent).id,
          );
          expect(got).toEqual(expected.map((e) => e.id));
        } finally {
          await hub.stop();
        }
      } finally {
        await fresh.close();
      }
    }
  });

  it('a first hub stopped before its relay ran keeps its starting point: the next start relays what came after it', async () => {
    const fresh = createCacheClient({ transport: 'redis', url: redis.url, keyPrefix: 'stopped:' });
    const settings = testSettings(nats.url, { NATS_SUBJECT_PREFIX: 'stopped.', HUB_RELAY_START: 'now' });
    try {
      await writeChanges(fresh, 6, 'before'); // before any hub: not relayed
      // another holder keeps the lease, so the first hub's relay never takes a turn before it stops
      const store = hubStoreFor(fresh);
      expect(await store.holdLease('someone-else', 10_000)).toBe(true);
      const first = await startHub({ client: fresh, settings, logger: quiet });
      await first.stop();
      await store.releaseLease('someone-else');
      await writeChanges(fresh, 9, 'between');
      const second = await startHub({ client: fresh, settings, logger: quiet });
      try {
        const expected = (await allEvents(fresh)).slice(6).map((e) => e.id);
        await until(
          async () =>
            (await streamMessages(nc, 'CACHE_EVENTS', 'stopped.cache.item.updated')).length >=
            expected.length,
        );
        const got = (await streamMessages(nc, 'CACHE_EVENTS', 'stopped.cache.item.updated')).map(
          (m) => (m.json as CacheEvent).id,
        );
        expect(got).toEqual(expected);
      } finally {
        await second.stop();
      }
    } finally {
      await fresh.close();
    }
  });

  it('runs on the memory transport with its position in process', async () => {
    const memory = createCacheClient({ transport: 'memory' });
    const hub = await startHub({
      client: memory,
      settings: testSettings(nats.url, { NATS_SUBJECT_PREFIX: 'mem.' }),
      logger: quiet,
    });
    try {
      await writeChanges(memory, 12, 'm');
      const ids = (await allEvents(memory)).map((e) => e.id);
      expect(ids).toHaveLength(12);
      await until(
        async () => (await streamMessages(nc, 'CACHE_EVENTS', 'mem.cache.item.updated')).length >= 12,
      );
      const got = (await streamMessages(nc, 'CACHE_EVENTS', 'mem.cache.item.updated')).map(
        (m) => (m.json as CacheEvent).id,
      );
      expect(got).toEqual(ids);
    } finally {
      await hub.stop();
      await memory.close();
    }
  });

  it('publishes cache.health.status with hit_rate, memory_usage and ops_rate', async () => {
    const lookups = { hits: 10, misses: 5 };
    const hub = await startHub({
      client,
      settings: testSettings(nats.url),
      logger: quiet,
      lookups: () => ({ ...lookups }),
    });
    try {
      lookups.hits += 3; // over the interval: 3 hits, 1 miss
      lookups.misses += 1;
      await client.forTenant('acme').set('h', 1);
      const event = HubHealthEvent.parse(await hub.publishHealth());
      expect(event.data.status).toBe('healthy');
      expect(event.data.memory_usage).toBeGreaterThan(100_000);
      expect(event.data.ops_rate).toBeGreaterThan(0);
      expect(event.data.hit_rate).toBe(0.75);
      const stored = await streamMessages(nc, 'CACHE_EVENTS', subjects.health);
      expect(stored.at(-1)!.json).toEqual(event);
      expect(stored.at(-1)!.headers[HUB_HEADERS.eventType]).toBe('cache.health.status');
      expect(Number(stored.at(-1)!.headers[HUB_HEADERS.ttl])).toBeGreaterThan(0);
    } finally {
      await hub.stop();
    }
  });
});
