import { timestampFromMillis } from '@org/cache-core';
import { expect, it } from 'vitest';
import { makeReading } from './reading-factory.js';
import { type MakeClient, withClient } from './types.js';

/** `resetDevice` and `listFutureDevices`: the admin operations for state poisoned by a future timestamp. */
export function adminSuite(make: MakeClient): void {
  it('resets a device: metadata, readings and index entries go, other devices stay', () =>
    withClient(make, {}, async (client) => {
      await client.upsertReadings([
        makeReading('poisoned', 'T', 1),
        makeReading('poisoned', 'U', 2),
        makeReading('healthy', 'T', 1),
      ]);
      expect(await client.resetDevice('poisoned')).toEqual({ device_id: 'poisoned', existed: true });
      expect(await client.getDeviceMetadata('poisoned')).toBeNull();
      expect(await client.getReadings('poisoned')).toEqual([]);
      expect((await client.listDevices()).devices.map((d) => d.device_id)).toEqual(['healthy']);
      expect((await client.listDevices({ sort: 'updated' })).devices.map((d) => d.device_id)).toEqual([
        'healthy',
      ]);
      expect((await client.getCacheInfo()).total_devices).toBe(1);
      expect(await client.getReadings('healthy', 'T')).toHaveLength(1);
      // idempotent, and an unknown device is not an error
      expect(await client.resetDevice('poisoned')).toEqual({ device_id: 'poisoned', existed: false });
      expect(await client.resetDevice('never-seen')).toEqual({ device_id: 'never-seen', existed: false });
      // after a reset, an older reading is accepted again (nothing newer is left)
      const again = await client.upsertReadings([makeReading('poisoned', 'T', 0)]);
      expect(again).toMatchObject({ written: 1, stale: 0 });
      await expect(client.resetDevice('')).rejects.toMatchObject({ code: 'CACHE_004' });
      await expect(client.resetDevice('x'.repeat(300))).rejects.toMatchObject({ code: 'CACHE_004' });
    }));

  it('lists devices whose newest reading or last_updated is after an instant, in pages', () =>
    withClient(make, {}, async (client) => {
      // makeReading(…, s) is stamped 2025-06-25T08:00:00Z + s seconds
      const base = Date.UTC(2025, 5, 25, 8, 0, 0);
      const readings = [];
      for (let i = 0; i < 30; i++) readings.push(makeReading(`d-${String(i).padStart(2, '0')}`, 'T', i * 10));
      await client.upsertReadings(readings);
      await client.storeDeviceMetadata('meta-only', {
        datatype_id: 'x',
        datatype_name: 'X',
        datatype_unit: null,
        persist: true,
        last_updated: timestampFromMillis(base + 1_000_000),
      });
      const after = timestampFromMillis(base + 195_000); // d-20 (200 s) and later, and meta-only
      const expected = [...Array.from({ length: 10 }, (_, i) => `d-${20 + i}`), 'meta-only'];
      const seen: { device_id: string; newest_timestamp: string }[] = [];
      let cursor: string | null = null;
      let calls = 0;
      do {
        const page = await client.listFutureDevices({ after, limit: 4, cursor });
        expect(page.devices.length).toBeLessThanOrEqual(4);
        seen.push(...page.devices);
        cursor = page.next_cursor;
        calls++;
      } while (cursor !== null && calls < 50);
      expect(seen.map((d) => d.device_id)).toEqual(expected);
      expect(seen[0]).toEqual({ device_id: 'd-20', newest_timestamp: timestampFromMillis(base + 200_000) });
      expect(seen.at(-1)).toEqual({
        device_id: 'meta-only',
        newest_timestamp: timestampFromMillis(base + 1_000_000),
      });
      // default `after` is now + maxFutureSkewMs: nothing written here is in the future
      expect(await client.listFutureDevices()).toEqual({ devices: [], next_cursor: null });
      await expect(client.listFutureDevices({ after: 'yesterday' })).rejects.toMatchObject({
        code: 'CACHE_007',
      });
      await expect(client.listFutureDevices({ limit: 0 })).rejects.toMatchObject({ code: 'CACHE_007' });
      await expect(client.listFutureDevices({ cursor: 'abc' })).rejects.toMatchObject({
        code: 'CACHE_007',
        message: 'cursor is malformed; pass back the next_cursor of a previous page',
      });
    }));

  it('does bounded work per listFutureDevices call: a page may be empty and still have a cursor', () =>
    withClient(make, {}, async (client) => {
      const readings = Array.from({ length: 1_500 }, (_, i) =>
        makeReading(`b-${String(i).padStart(4, '0')}`, 'T', 1),
      );
      for (let i = 0; i < readings.length; i += 500) await client.upsertReadings(readings.slice(i, i + 500));
      const first = await client.listFutureDevices({ after: '2030-01-01T00:00:00Z' });
      expect(first.devices).toEqual([]);
      expect(first.next_cursor).not.toBeNull(); // 1,000 entries examined, more to go
      const second = await client.listFutureDevices({
        after: '2030-01-01T00:00:00Z',
        cursor: first.next_cursor,
      });
      expect(second).toEqual({ devices: [], next_cursor: null });
      // the same walk finds every device when all are after `after`
      let found = 0;
      let cursor: string | null = null;
      do {
        const page = await client.listFutureDevices({ after: '2000-01-01T00:00:00Z', limit: 1000, cursor });
        found += page.devices.length;
        cursor = page.next_cursor;
      } while (cursor !== null);
      expect(found).toBe(1_500);
    }));
}
