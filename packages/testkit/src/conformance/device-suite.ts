import type { Reading } from '@org/cache-core';
import { expect, it } from 'vitest';
import { fixtureReadings } from '../fixtures.js';
import { makeReading, seededRandom, shuffle } from './reading-factory.js';
import { type MakeClient, sleep, withClient } from './types.js';

export function deviceSuite(make: MakeClient): void {
  it('stores the fixtures as the latest state per device and index', () =>
    withClient(make, {}, async (client) => {
      const readings = fixtureReadings();
      const result = await client.upsertReadings(readings);
      expect(result.written + result.stale).toBe(readings.length);
      expect(result.stale).toBe(1); // line 8: an older T reading of 282c02424eed

      const [t] = await client.getReadings('282c02424eed', 'T');
      expect(t?.values).toEqual([21.4]);
      expect(t?.timestamp).toBe('2025-06-25T08:57:34.618082Z');
      expect(t?.display_names).toEqual(['Température intérieure']);
      expect(await client.listIndexes('282c02424eed')).toEqual(['P', 'T', 'U']);
      expect(await client.listIndexes('station_123')).toEqual(['H', 'T', 'W']);
      const [h] = await client.getReadings('station_123', 'H');
      expect(h?.labels).toEqual(['humidity']); // `label` alias

      const meta = await client.getDeviceMetadata('282c02424eed');
      expect(meta).toMatchObject({ device_id: '282c02424eed', last_updated: '2025-06-25T08:57:34.618082Z' });
      const door = await client.getDeviceMetadata('gw-lyon-01/port-3');
      expect(door).toMatchObject({
        datatype_name: 'État porte',
        datatype_unit: null,
        persist: true,
        last_updated: '2025-06-25T08:00:00.250000Z',
        additional_properties: { datatype_category: 'S' },
      });
      expect(await client.getDeviceMetadataMany(['2207001', 'nope'])).toEqual([
        expect.objectContaining({ datatype_name: 'Pression', datatype_unit: 'hPa' }),
        null,
      ]);
      const page = await client.listDevices();
      expect(page.devices.map((d) => d.device_id)).toEqual([
        '2207001',
        '282c02424eed',
        'gw-lyon-01/port-3',
        'station_123',
      ]);
      expect((await client.getCacheInfo()).total_devices).toBe(4);
    }));

  it('gives the same state whether readings arrive in one batch, one by one, or reversed', () =>
    withClient(make, {}, async (client) => {
      const readings = fixtureReadings();
      for (const r of [...readings].reverse()) await client.upsertReadings([r]);
      const [t] = await client.getReadings('282c02424eed', 'T');
      expect(t?.values).toEqual([21.4]);
      const all = await client.getReadings('282c02424eed');
      expect(all.map((r) => [r.index, r.values])).toEqual([
        ['P', ['5', '120']],
        ['T', [21.4]],
        ['U', [48.0]],
      ]);
    }));

  it('never rolls state back: shuffled, replayed and late readings end at the newest per index', () =>
    withClient(make, {}, async (client) => {
      const random = seededRandom(42);
      const all: Reading[] = [];
      for (let d = 0; d < 40; d++) {
        for (let s = 0; s < 6; s++)
          for (const index of ['T', 'U', 'P']) all.push(makeReading(`dev-${d}`, index, s * 10 + d));
      }
      const replayed = [...all, ...all.slice(0, 100)];
      shuffle(replayed, random);
      for (let i = 0; i < replayed.length; i += 37) await client.upsertReadings(replayed.slice(i, i + 37));
      for (let d = 0; d < 40; d += 7) {
        const readings = await client.getReadings(`dev-${d}`);
        expect(readings.map((r) => [r.index, r.values[0]])).toEqual([
          ['P', 50 + d],
          ['T', 50 + d],
          ['U', 50 + d],
        ]);
        const meta = await client.getDeviceMetadata(`dev-${d}`);
        expect(meta?.last_updated).toBe(readings[0]!.timestamp);
      }
      // A late replay of everything changes nothing.
      const again = await client.upsertReadings(
        all.filter((r) => r.timestamp < makeReading('x', 'T', 50).timestamp),
      );
      expect(again.written).toBe(0);
    }));

  it('stores metadata directly unless what is stored is newer', () =>
    withClient(make, {}, async (client) => {
      const base = { datatype_id: 'dt', datatype_name: 'Temp', datatype_unit: '°C', persist: false };
      await client.storeDeviceMetadata('m1', {
        ...base,
        last_updated: '2025-06-25T10:00:00Z',
        additional_properties: { a: 1 },
      });
      await client.storeDeviceMetadata('m1', {
        ...base,
        datatype_name: 'Old',
        last_updated: '2025-06-25T09:00:00Z',
      });
      expect(await client.getDeviceMetadata('m1')).toEqual({
        device_id: 'm1',
        ...base,
        last_updated: '2025-06-25T10:00:00.000000Z',
        additional_properties: { a: 1 },
      });
      await expect(client.storeDeviceMetadata('m1', { ...base, last_updated: 'soon' })).rejects.toMatchObject(
        {
          code: 'CACHE_007',
        },
      );
    }));

  it('follows metadata and indexes as they change, keeping what a write does not carry', () =>
    withClient(make, {}, async (client) => {
      const at = (index: string, seconds: number) => makeReading('evolving', index, seconds);
      await client.upsertReadings([at('T', 1), at('U', 1)]);
      // Same datatype as before: only last_updated moves.
      await client.upsertReadings([at('T', 2)]);
      expect(await client.getDeviceMetadata('evolving')).toMatchObject({
        datatype_id: 'dt-T',
        last_updated: at('T', 2).timestamp,
        additional_properties: { channel_number: 2 },
      });
      // A new index joins the stored ones; fewer extra keys replace the whole hash.
      const p = { ...at('P', 3), metadata: { datatype_id: 'dt-P', datatype_name: 'Params' } };
      await client.upsertReadings([p]);
      expect((await client.getReadings('evolving')).map((r) => [r.index, r.timestamp])).toEqual([
        ['P', at('P', 3).timestamp],
        ['T', at('T', 2).timestamp],
        ['U', at('U', 1).timestamp],
      ]);
      expect(await client.getDeviceMetadata('evolving')).toMatchObject({
        datatype_id: 'dt-P',
        datatype_unit: null,
        additional_properties: {},
      });
      // Readings without metadata leave the metadata alone; newer stored metadata beats older.
      await client.upsertReadings([{ ...at('T', 4), metadata: null }]);
      await client.storeDeviceMetadata('evolving', {
        datatype_id: 'dt-X',
        datatype_name: 'Set by hand',
        datatype_unit: 'K',
        persist: false,
        last_updated: at('T', 10).timestamp,
      });
      await client.upsertReadings([at('T', 5), at('U', 5), at('P', 5)]);
      expect(await client.getDeviceMetadata('evolving')).toMatchObject({
        datatype_id: 'dt-X',
        last_updated: at('T', 10).timestamp,
      });
      expect((await client.getReadings('evolving')).map((r) => r.values[0])).toEqual([5, 5, 5]);
      await client.upsertReadings([at('T', 11)]);
      expect(await client.getDeviceMetadata('evolving')).toMatchObject({
        datatype_id: 'dt-T',
        last_updated: at('T', 11).timestamp,
      });
    }));

  it('expires devices with the TTL: gone from reads, listings and counts', () =>
    withClient(make, { ttlSeconds: 1 }, async (client) => {
      await client.upsertReadings([makeReading('short-lived', 'T', 1), makeReading('short-lived-2', 'U', 1)]);
      expect((await client.listDevices()).devices).toHaveLength(2);
      await sleep(1300);
      await client.upsertReadings([makeReading('fresh', 'T', 2)]);
      expect(await client.getDeviceMetadata('short-lived')).toBeNull();
      expect(await client.getReadings('short-lived')).toEqual([]);
      expect((await client.listDevices()).devices.map((d) => d.device_id)).toEqual(['fresh']);
      expect((await client.listDevices({ sort: 'updated' })).devices.map((d) => d.device_id)).toEqual([
        'fresh',
      ]);
      const info = await client.getCacheInfo();
      expect(info.total_devices).toBe(1);
      expect(info.ttl_seconds).toBe(1);
    }));

  it('handles unicode and path-like device ids', () =>
    withClient(make, {}, async (client) => {
      const ids = ['Température-é', '温度计-7', '🌡️-sensor', 'gw/01/port 3', 'a}b{c', '%7B'];
      await client.upsertReadings(ids.map((id, i) => makeReading(id, 'T', i)));
      for (const [i, id] of ids.entries()) {
        const [r] = await client.getReadings(id, 'T');
        expect(r?.device_id).toBe(id);
        expect(r?.values).toEqual([i]);
        expect((await client.getDeviceMetadata(id))?.device_id).toBe(id);
      }
      const listed = (await client.listDevices({ limit: 100 })).devices.map((d) => d.device_id);
      expect([...listed].sort()).toEqual([...ids].sort());
    }));

  it('reports health and cache info', () =>
    withClient(make, {}, async (client) => {
      const health = await client.checkHealth();
      expect(health.status).toBe('healthy');
      expect(Number.isNaN(Date.parse(health.timestamp))).toBe(false);
      await client.upsertReadings([makeReading('i1', 'T', 1), makeReading('i2', 'T', 2)]);
      const info = await client.getCacheInfo();
      expect(info.total_devices).toBe(2);
      expect(info.memory_usage_bytes).toBeGreaterThan(0);
      expect(info.newest_entry_timestamp).not.toBeNull();
      expect(Date.parse(info.newest_entry_timestamp!)).toBeGreaterThan(Date.now() - 60_000);
    }));
}
