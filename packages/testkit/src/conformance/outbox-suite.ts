import type { CacheClient, CacheEvent } from '@org/cache-client';
import { isEventId } from '@org/cache-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeReading } from './reading-factory.js';
import { type MakeClient, withClient } from './types.js';

/** Every event of the outbox, in id order (pages of 1,000). */
export async function allEvents(client: CacheClient): Promise<CacheEvent[]> {
  const out: CacheEvent[] = [];
  let since: string | null = null;
  for (;;) {
    const page = await client.readEvents({ since, limit: 1000 });
    out.push(...page.events);
    if (!page.more || page.events.length === 0) return out;
    since = page.events.at(-1)!.id;
  }
}

const ops = (events: CacheEvent[]) => events.map((e) => `${e.data.operation} ${e.data.key}`);

/**
 * The outbox every transport but HTTP keeps: exactly one event per applied change, in the same
 * step as the change; none for a stale or identical replay; none when the outbox is off.
 */
export function outboxSuite(make: MakeClient): void {
  describe('outbox', () => {
    it('appends one event per device a write changes, with its indexes and correlation id', async () => {
      await withClient(make, undefined, async (client) => {
        const readings = ['a', 'b', 'c'].flatMap((d) => [makeReading(d, 'T', 1), makeReading(d, 'U', 1)]);
        await client.upsertReadings(readings, { correlationId: 'req-42' });
        const events = await allEvents(client);
        expect(events.map((e) => e.data.device_id).sort()).toEqual(['a', 'b', 'c']);
        for (const e of events) {
          expect(e.event).toBe('cache.item.updated');
          expect(e.version).toBe('1.0');
          expect(e.correlation_id).toBe('req-42');
          expect(e.data).toMatchObject({ operation: 'upsert', kind: 'device', indexes: ['T', 'U'] });
          expect(e.data.key).toBe(e.data.device_id);
          expect(e.data.service_id).toBe('device-cache');
          expect(Math.abs(Date.parse(e.data.timestamp) - Date.now())).toBeLessThan(60_000);
          expect(isEventId(e.id)).toBe(true);
        }
        expect(new Set(events.map((e) => e.id)).size).toBe(3);
      });
    });

    it('adds nothing for a stale replay or an identical redelivery, one event for a newer write', async () => {
      await withClient(make, undefined, async (client) => {
        await client.upsertReadings([makeReading('d', 'T', 10), makeReading('d', 'U', 10)]);
        await client.upsertReadings([makeReading('d', 'T', 5)]); // stale
        await client.upsertReadings([makeReading('d', 'T', 10), makeReading('d', 'U', 10)]); // redelivery
        expect(await allEvents(client)).toHaveLength(1);
        const result = await client.upsertReadings([makeReading('d', 'T', 4), makeReading('e', 'T', 4)]);
        expect(result.stale).toBe(1);
        await client.upsertReadings([makeReading('d', 'U', 11)]);
        const events = await allEvents(client);
        expect(events.map((e) => [e.data.device_id, e.data.indexes])).toEqual([
          ['d', ['T', 'U']],
          ['e', ['T']],
          ['d', ['U']],
        ]);
        expect(events.every((e) => e.correlation_id === null)).toBe(true);
      });
    });

    it('counts a same-stamp write with other values as a change', async () => {
      await withClient(make, undefined, async (client) => {
        await client.upsertReadings([makeReading('d', 'T', 10, 1)]);
        await client.upsertReadings([makeReading('d', 'T', 10, 2)]);
        await client.upsertReadings([makeReading('d', 'T', 10, 2)]);
        expect(await allEvents(client)).toHaveLength(2);
      });
    });

    it('appends a metadata event when only the metadata wins', async () => {
      await withClient(make, undefined, async (client) => {
        const meta = (stamp: string, name = 'n') => ({
          datatype_id: 'x',
          datatype_name: name,
          datatype_unit: null,
          persist: true,
          last_updated: stamp,
        });
        await client.storeDeviceMetadata('m', meta('2025-01-01T00:00:00Z'));
        await client.storeDeviceMetadata('m', meta('2025-01-01T00:00:00Z')); // same
        await client.storeDeviceMetadata('m', meta('2024-01-01T00:00:00Z', 'old')); // stale
        await client.storeDeviceMetadata('m', meta('2025-01-02T00:00:00Z'), { correlationId: 'c' });
        const events = await allEvents(client);
        expect(events.map((e) => [e.data.operation, e.data.device_id, e.correlation_id])).toEqual([
          ['metadata', 'm', null],
          ['metadata', 'm', 'c'],
        ]);
      });
    });

    it('appends one event per tenant key set, deleted, invalidated or cleared', async () => {
      await withClient(make, undefined, async (client) => {
        const acme = client.forTenant('acme');
        await acme.setMany([
          { key: 'a1', value: 1 },
          { key: 'a2', value: 2 },
          { key: 'b1', value: 3 },
          { key: 'c1', value: 4 },
        ]);
        await acme.set('a1', 5, { correlationId: 'set-again' });
        expect(await acme.delete('c1')).toBe(true);
        expect(await acme.delete('c1')).toBe(false); // nothing changed: no event
        expect(await acme.invalidate('a*')).toBe(2);
        expect(await acme.invalidate('zz*')).toBe(0);
        expect(await acme.clearTenant()).toBe(1);
        const events = await allEvents(client);
        expect(ops(events)).toEqual([
          'set a1',
          'set a2',
          'set b1',
          'set c1',
          'set a1',
          'delete c1',
          ...ops(events.slice(6, 8)), // invalidate: any order
          'clear b1',
        ]);
        expect(ops(events.slice(6, 8)).sort()).toEqual(['invalidate a1', 'invalidate a2']);
        for (const e of events) expect(e.data).toMatchObject({ kind: 'kv', tenant: 'acme' });
        expect(events[4]!.correlation_id).toBe('set-again');
      });
    });

    it('appends one reset event when an admin reset deletes a device, none for a missing one', async () => {
      await withClient(make, undefined, async (client) => {
        await client.upsertReadings([makeReading('r1', 'T', 1)]);
        expect((await client.resetDevice('r1', { correlationId: 'ops-7' })).existed).toBe(true);
        await client.resetDevice('never-written');
        const events = await allEvents(client);
        expect(ops(events)).toEqual(['upsert r1', 'reset r1']);
        expect(events[1]!.correlation_id).toBe('ops-7');
        expect(events[1]!.data).toMatchObject({ kind: 'device', device_id: 'r1', indexes: [] });
      });
    });

    it('appends a flush event and keeps the outbox through the flush', async () => {
      await withClient(make, undefined, async (client) => {
        await client.upsertReadings([makeReading('f', 'T', 1)]);
        await client.set('k', 1);
        await client.flush({ correlationId: 'ops-1' });
        const events = await allEvents(client);
        expect(ops(events)).toEqual(['upsert f', 'set k', 'flush *']);
        expect(events[2]!.data.kind).toBe('cache');
        expect(events[2]!.correlation_id).toBe('ops-1');
      });
    });

    it('reads after an event id: no event twice, none missed', async () => {
      await withClient(make, undefined, async (client) => {
        for (let i = 0; i < 25; i++) await client.upsertReadings([makeReading(`r${i}`, 'T', i)]);
        const seen: string[] = [];
        let since: string | null = null;
        for (;;) {
          const page = await client.readEvents({ since, limit: 7 });
          if (page.events.length === 0) break;
          seen.push(...page.events.map((e) => e.data.key));
          since = page.events.at(-1)!.id;
        }
        // across streams (buckets) events of one millisecond are ordered by stream, not by write
        expect(seen).toHaveLength(25);
        expect(seen.sort()).toEqual(Array.from({ length: 25 }, (_, i) => `r${i}`).sort());
      });
    });

    it('appends nothing when the outbox is off', async () => {
      await withClient(make, { outbox: false }, async (client) => {
        await client.upsertReadings([makeReading('off', 'T', 1)]);
        await client.set('k', 1);
        await client.delete('k');
        expect(await allEvents(client)).toEqual([]);
      });
    });

    it('refuses a hostile correlation id or since before anything is written (CACHE_007)', async () => {
      await withClient(make, undefined, async (client) => {
        const hostile = fc.oneof(
          fc.string({ minLength: 1025, maxLength: 1100 }),
          fc.constant(''),
          fc.string().map((s) => `${s}\u0000`),
          fc.constant('\uD800'),
          fc.integer(),
          fc.object(),
          fc.array(fc.string()),
        );
        await fc.assert(
          fc.asyncProperty(hostile, async (correlationId) => {
            const error = await client
              .upsertReadings([makeReading('h', 'T', 1)], { correlationId: correlationId as string })
              .catch((e: unknown) => e);
            expect(error).toMatchObject({ code: 'CACHE_007' });
            const kvError = await client
              .set('h', 1, { correlationId: correlationId as string })
              .catch((e) => e);
            expect(kvError).toMatchObject({ code: 'CACHE_007' });
          }),
          { numRuns: 40 },
        );
        await fc.assert(
          fc.asyncProperty(
            fc.oneof(
              fc.string(),
              fc.constant('1-0'),
              fc.constant('1-0-x'),
              fc.constant('99999999999999999-0-g'),
              fc.constant('1-0-t.a}b'),
              fc.integer(),
            ),
            async (since) => {
              fc.pre(!isEventId(since));
              const error = await client
                .readEvents({ since: since as unknown as string })
                .catch((e: unknown) => e);
              expect(error).toMatchObject({ code: 'CACHE_007' });
            },
          ),
          { numRuns: 40 },
        );
        expect(await client.getReadings('h')).toEqual([]);
        expect(await allEvents(client)).toEqual([]);
      });
    });

    it('matches a model: one event per write that changes a device, over random replays', async () => {
      const write = fc.record({
        device: fc.constantFrom('p', 'q'),
        index: fc.constantFrom('T', 'U'),
        second: fc.integer({ min: 0, max: 4 }),
        value: fc.integer({ min: 0, max: 1 }),
      });
      await fc.assert(
        fc.asyncProperty(fc.array(write, { minLength: 1, maxLength: 20 }), async (writes) => {
          await withClient(make, undefined, async (client) => {
            // a reading carries its device's metadata, stamped with the reading and named by index
            const stored = new Map<string, { second: number; value: number }>();
            const metadata = new Map<string, { second: number; index: string }>();
            let expected = 0;
            for (const w of writes) {
              await client.upsertReadings([makeReading(w.device, w.index, w.second, w.value)]);
              const at = `${w.device}/${w.index}`;
              const s = stored.get(at);
              const m = metadata.get(w.device);
              const readingChanged =
                s === undefined || s.second < w.second || (s.second === w.second && s.value !== w.value);
              const metadataWins = m === undefined || m.second <= w.second;
              const metadataChanged = metadataWins && (m?.second !== w.second || m?.index !== w.index);
              if (readingChanged || metadataChanged) expected++;
              if (s === undefined || s.second <= w.second) stored.set(at, w);
              if (metadataWins) metadata.set(w.device, w);
            }
            expect(await allEvents(client)).toHaveLength(expected);
          });
        }),
        { numRuns: 15 },
      );
    });
  });
}
