import { type CacheEvent, isEventId } from '@org/cache-core';
import { makeReading } from '@org/cache-testkit';
import { describe, expect, it } from 'vitest';
import { Authenticator } from './auth/authenticator.js';
import { parseTokenList } from './auth/token-config.js';
import { DEFAULT_LIMITS } from './limits/limits.js';
import { redisApiHarness } from './test/redis-api.js';

const h = redisApiHarness();

/** Reads an SSE answer: events (parsed frames of `cache.item.updated`), other frames and comments. */
async function readSse(
  response: Response,
  until: (events: CacheEvent[]) => boolean,
  timeoutMs = 10_000,
): Promise<{ events: CacheEvent[]; frames: string[] }> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const events: CacheEvent[] = [];
  const frames: string[] = [];
  let buffer = '';
  const timer = setTimeout(() => reader.cancel(), timeoutMs);
  try {
    while (!until(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        frames.push(frame);
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        const id = /^id: (.*)$/m.exec(frame)?.[1];
        if (data && /^event: cache\.item\.updated$/m.test(frame)) {
          const event = JSON.parse(data) as CacheEvent;
          expect(event.id).toBe(id);
          events.push(event);
        }
        end = buffer.indexOf('\n\n');
      }
    }
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => {});
  }
  return { events, frames };
}

const reading = (device: string, second: number) => makeReading(device, 'T', second);

const SSE = { accept: 'text/event-stream', 'x-tenant-id': 'acme' };

describe('GET /api/v2/events (server-sent events over Redis)', () => {
  it('refuses a caller that does not accept text/event-stream, and bad filters, with 400', async () => {
    const api = await h.start();
    expect((await fetch(`${api.url}/api/v2/events`, { headers: { 'x-tenant-id': 'acme' } })).status).toBe(
      400,
    );
    for (const query of ['kinds=devices', 'pattern=%5Bz-a%5D', 'since=1-0']) {
      const answer = await fetch(`${api.url}/api/v2/events?${query}`, { headers: SSE });
      expect(answer.status, query).toBe(400);
      expect(JSON.stringify(await answer.json())).toMatch(/CACHE_00[47]/);
    }
    const badResume = await fetch(`${api.url}/api/v2/events`, {
      headers: { ...SSE, 'last-event-id': 'nope' },
    });
    expect(badResume.status).toBe(400);
  });

  it('limits readers per caller and per process: 429 with Retry-After, a slot comes back when a reader leaves', async () => {
    const tokens = parseTokenList('one:token-one-0123456789abcd,two:token-two-0123456789abcd');
    const api = await h.start({
      auth: await Authenticator.create({ tokens }),
      limits: { rateLimit: null, eventReaders: { perProcess: 3, perCaller: 2 } },
    });
    const as = (who: 'one' | 'two') => ({ ...SSE, authorization: `Bearer token-${who}-0123456789abcd` });
    const open = (who: 'one' | 'two') => fetch(`${api.url}/api/v2/events`, { headers: as(who) });
    const firstOne = await open('one');
    const secondOne = await open('one');
    expect([firstOne.status, secondOne.status]).toEqual([200, 200]);
    const thirdOne = await open('one');
    expect(thirdOne.status).toBe(429);
    expect(thirdOne.headers.get('retry-after')).toBe('5');
    expect(((await thirdOne.json()) as { error: { code: string } }).error.code).toBe('CACHE_009');
    // the other caller still gets the process's last slot, then the process is full for both
    const firstTwo = await open('two');
    expect(firstTwo.status).toBe(200);
    const secondTwo = await open('two');
    expect(secondTwo.status).toBe(429);
    expect(JSON.stringify(await secondTwo.json())).toMatch(/most change-feed readers \(3\)/);
    // a reader that leaves gives its slot back
    await firstOne.body!.cancel();
    let again: Response | undefined;
    for (let i = 0; i < 50; i++) {
      again = await open('two');
      if (again.status === 200) break;
      await again.body?.cancel();
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(again!.status).toBe(200);
    await Promise.all([secondOne, firstTwo, again!].map((r) => r.body!.cancel()));
    expect(DEFAULT_LIMITS.eventReaders).toEqual({ perProcess: 256, perCaller: 32 });
  });

  it('streams the changes of devices and the caller tenant only, filtered by kind and pattern', async () => {
    const api = await h.start();
    const feed = await fetch(`${api.url}/api/v2/events?pattern=gw-*`, { headers: SSE });
    expect(feed.status).toBe(200);
    expect(feed.headers.get('content-type')).toContain('text/event-stream');
    const reading$ = readSse(feed, (e) => e.length >= 3);
    await new Promise((r) => setTimeout(r, 200));
    await api.client.upsertReadings([reading('gw-1', 1), reading('x-1', 1)]);
    await api.client.forTenant('other').set('gw-secret', 1);
    await api.client.forTenant('acme').set('gw-key', 1);
    await api.client.flush();
    const { events } = await reading$;
    expect(events.map((e) => `${e.data.kind} ${e.data.key}`)).toEqual([
      'device gw-1',
      'kv gw-key',
      'cache *',
    ]);
    expect(events.every((e) => isEventId(e.id))).toBe(true);
  });

  it('resumes with Last-Event-ID: every event missed while away arrives once', async () => {
    const api = await h.start();
    const first = await fetch(`${api.url}/api/v2/events?kinds=device,kv`, { headers: SSE });
    const firstRead = readSse(first, (e) => e.length >= 10);
    await new Promise((r) => setTimeout(r, 200));
    for (let i = 0; i < 10; i++) await api.client.upsertReadings([reading(`d${i}`, 1)]);
    const seen = (await firstRead).events; // the reader disconnects here
    expect(seen).toHaveLength(10);
    // away: writes continue on many streams
    for (let i = 0; i < 100; i++) {
      await api.client.upsertReadings([reading(`e${i}`, 1)]);
      if (i % 10 === 0) await api.client.forTenant('acme').set(`k${i}`, i);
    }
    const again = await fetch(`${api.url}/api/v2/events?kinds=device,kv`, {
      headers: { ...SSE, 'last-event-id': seen.at(-1)!.id },
    });
    const missed = (await readSse(again, (e) => e.length >= 110, 10_000)).events;
    const keys = missed.map((e) => e.data.key);
    expect(keys).toHaveLength(110);
    expect(new Set(keys).size).toBe(110);
    expect(new Set(missed.map((e) => e.id)).size).toBe(110);
    expect(keys.filter((k) => k.startsWith('d'))).toEqual([]);
    const all = await api.client.readEvents({ limit: 1000 });
    expect([...seen, ...missed].map((e) => e.id)).toEqual(all.events.map((e) => e.id));
  });

  it('streams one device with GET /api/devices/{device_id}/events, and since=0 replays what is kept', async () => {
    const api = await h.start();
    await api.client.upsertReadings([reading('gw/1', 1), reading('gw/2', 1)]);
    await api.client.upsertReadings([reading('gw/1', 2)]);
    const feed = await fetch(`${api.url}/api/devices/gw%2F1/events?since=0`, {
      headers: { accept: 'text/event-stream' },
    });
    expect(feed.status).toBe(200);
    const { events } = await readSse(feed, (e) => e.length >= 2);
    expect(events.map((e) => e.data.device_id)).toEqual(['gw/1', 'gw/1']);
  });

  it('carries the X-Correlation-ID of each write request into its events', async () => {
    const api = await h.start();
    const headers = { 'content-type': 'application/json', 'x-tenant-id': 'acme' };
    const send = (method: string, path: string, correlation: string, body?: unknown) =>
      fetch(`${api.url}${path}`, {
        method,
        headers: { ...headers, 'x-correlation-id': correlation },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    expect((await send('POST', '/api/devices/readings', 'corr-readings', [reading('c-1', 1)])).status).toBe(
      200,
    );
    expect(
      (await send('PUT', '/api/devices/c-2/metadata', 'corr-meta', { datatype_id: 'd', datatype_name: 'n' }))
        .status,
    ).toBe(200);
    expect((await send('PUT', '/api/v2/cache/k1', 'corr-v2-set', { value: 1 })).status).toBe(201);
    expect((await send('POST', '/api/v1/cache', 'corr-v1-set', { key: 'k2', value: 2 })).status).toBe(201);
    expect(
      (await send('POST', '/api/v2/cache/batch', 'corr-batch', { operation: 'delete', keys: ['k2'] })).status,
    ).toBe(200);
    expect((await send('DELETE', '/api/v2/cache/k1', 'corr-v2-del')).status).toBe(200);
    const events = (await api.client.readEvents({ limit: 100 })).events;
    // events of different streams in one millisecond are ordered by stream: compare as a set
    const byCorrelation = (a: (string | null)[], b: (string | null)[]) =>
      String(a[2]).localeCompare(String(b[2]));
    expect(events.map((e) => [e.data.operation, e.data.key, e.correlation_id]).sort(byCorrelation)).toEqual(
      [
        ['upsert', 'c-1', 'corr-readings'],
        ['metadata', 'c-2', 'corr-meta'],
        ['set', 'k1', 'corr-v2-set'],
        ['set', 'k2', 'corr-v1-set'],
        ['delete', 'k2', 'corr-batch'],
        ['delete', 'k1', 'corr-v2-del'],
      ].sort(byCorrelation),
    );
  });
});
