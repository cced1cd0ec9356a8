import type { CacheClient, CacheEvent, WatchOptions } from '@org/cache-client';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allEvents } from './outbox-suite.js';
import { makeReading } from './reading-factory.js';
import { type MakeClient, sleep, withClient } from './types.js';

/** Takes `n` events of a watch (failing after `timeoutMs`), then ends it. */
export async function takeEvents(
  client: CacheClient,
  options: WatchOptions,
  n: number,
  during: () => Promise<void> = async () => {},
  timeoutMs = 10_000,
): Promise<CacheEvent[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const out: CacheEvent[] = [];
  const iterator = client.watch({ ...options, signal: controller.signal });
  const reading = (async () => {
    for await (const event of iterator) {
      out.push(event);
      if (out.length === n) break;
    }
  })();
  await sleep(150); // the watch has taken its start position
  await during();
  await reading;
  clearTimeout(timer);
  if (out.length < n) throw new Error(`watch delivered ${out.length} of ${n} events in ${timeoutMs} ms`);
  return out;
}

const keysOf = (events: CacheEvent[]) => events.map((e) => `${e.data.operation} ${e.data.key}`);

/**
 * `watch` on every transport: order, filters, start positions, resume, end. `readAll` reads the
 * outbox as it is (the transport's own `readEvents`, or the served backend's over HTTP).
 */
export function watchSuite(
  make: MakeClient,
  /** Every event kept, in order (HTTP: read through the served backend). */
  readAll: (client: CacheClient) => Promise<CacheEvent[]> = allEvents,
): void {
  describe('watch', () => {
    it('delivers new events only by default, in order per device, and ends when the loop breaks', async () => {
      await withClient(make, undefined, async (client) => {
        await client.upsertReadings([makeReading('before', 'T', 1)]);
        const events = await takeEvents(client, {}, 6, async () => {
          for (let i = 1; i <= 6; i++) await client.upsertReadings([makeReading('w', 'T', i)]);
        });
        expect(events.map((e) => e.data.key)).toEqual(Array(6).fill('w'));
        expect(events.map((e) => e.id)).toEqual([...new Set(events.map((e) => e.id))]);
        const all = await readAll(client);
        expect(all.slice(1).map((e) => e.id)).toEqual(events.map((e) => e.id));
      });
    });

    it('filters by kind, tenant and key pattern', async () => {
      await withClient(make, undefined, async (client) => {
        const acme = client.forTenant('acme');
        const other = client.forTenant('other');
        const write = async () => {
          await client.upsertReadings([makeReading('gw-1', 'T', 1), makeReading('x-1', 'T', 1)]);
          await other.set('k-1', 1);
          await acme.set('k-1', 1);
          await acme.set('z-1', 1);
          await client.upsertReadings([makeReading('gw-2', 'T', 1)]);
          await acme.delete('k-1');
        };
        const [byDevice, byTenant] = await Promise.all([
          takeEvents(client, { kinds: ['device'], pattern: 'gw-*' }, 2, write),
          takeEvents(client, { kinds: ['kv'], tenant: 'acme', pattern: 'k-*' }, 2),
        ]);
        expect(keysOf(byDevice)).toEqual(['upsert gw-1', 'upsert gw-2']);
        expect(keysOf(byTenant)).toEqual(['set k-1', 'delete k-1']);
        expect(byTenant.every((e) => e.data.tenant === 'acme')).toBe(true);
      });
    });

    it('starts after an event id, or from the oldest kept with since: null', async () => {
      await withClient(make, undefined, async (client) => {
        for (let i = 0; i < 3; i++) await client.set(`s-${i}`, i);
        const kept = await readAll(client);
        const fromOldest = await takeEvents(client, { since: null }, 3);
        expect(fromOldest.map((e) => e.id)).toEqual(kept.map((e) => e.id));
        const afterFirst = await takeEvents(client, { since: kept[0]!.id }, 2);
        expect(afterFirst.map((e) => e.id)).toEqual(kept.slice(1).map((e) => e.id));
      });
    });

    it('resumes after the last event seen: every event written meanwhile, once', async () => {
      await withClient(make, undefined, async (client) => {
        const first = await takeEvents(client, {}, 5, async () => {
          for (let i = 0; i < 5; i++) await client.upsertReadings([makeReading(`a${i}`, 'T', 1)]);
        });
        // away: writes continue over many buckets and a tenant
        for (let i = 0; i < 40; i++) {
          await client.upsertReadings([makeReading(`b${i}`, 'T', 1), makeReading(`c${i}`, 'U', 1)]);
          await client.set(`k${i}`, i);
        }
        const rest = await takeEvents(client, { since: first.at(-1)!.id }, 120);
        const keys = rest.map((e) => `${e.data.kind} ${e.data.key}`);
        expect(new Set(keys).size).toBe(120);
        expect(keys.filter((k) => k.startsWith('device a'))).toEqual([]);
        const all = await readAll(client);
        expect([...first, ...rest].map((e) => e.id)).toEqual(all.map((e) => e.id));
      });
    });

    it('ends when its signal aborts, also while waiting', async () => {
      await withClient(make, undefined, async (client) => {
        const controller = new AbortController();
        const started = Date.now();
        setTimeout(() => controller.abort(), 200);
        const seen: CacheEvent[] = [];
        for await (const e of client.watch({ signal: controller.signal })) seen.push(e);
        expect(seen).toEqual([]);
        expect(Date.now() - started).toBeLessThan(3_000);
      });
    });

    it('refuses hostile options at the call (CACHE_004 or CACHE_007)', async () => {
      await withClient(make, undefined, async (client) => {
        const hostile = fc.oneof(
          fc.record({
            kinds: fc.oneof(fc.constant([]), fc.array(fc.string(), { minLength: 1 }), fc.string()),
          }),
          fc.record({ tenant: fc.oneof(fc.constant(''), fc.constant('a}b'), fc.string({ minLength: 65 })) }),
          fc.record({
            pattern: fc.oneof(fc.constant('[z-a]'), fc.string({ minLength: 513, maxLength: 600 })),
          }),
          fc.record({ since: fc.oneof(fc.constant('1-0'), fc.constant('x'), fc.integer()) }),
        );
        fc.assert(
          fc.property(hostile, (options) => {
            const kinds = (options as { kinds?: unknown }).kinds;
            fc.pre(
              !(Array.isArray(kinds) && kinds.every((k) => ['device', 'kv', 'cache'].includes(String(k)))),
            );
            let error: unknown = null;
            try {
              client.watch(options as WatchOptions);
            } catch (e) {
              error = e;
            }
            expect((error as { code?: string } | null)?.code).toMatch(/^CACHE_00[47]$/);
          }),
          { numRuns: 60 },
        );
      });
    });
  });
}
