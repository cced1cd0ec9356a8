import { describe, expect, it } from 'vitest';
import { errorOf, memoryApp } from '../test/fixtures.js';

const DOOR = encodeURIComponent('gw-lyon-01/port-3');

describe('device reads (app.request over the memory store with the sample devices)', () => {
  const t = memoryApp({}, true);

  it('lists devices with a cursor', async () => {
    const first = await t.call('GET', '/api/devices?limit=2');
    expect(first.status).toBe(200);
    const page = (await first.json()) as { devices: { device_id: string }[]; next_cursor: string };
    expect(page.devices.map((d) => d.device_id)).toEqual(['2207001', '282c02424eed']);
    const second = await t.call('GET', `/api/devices?limit=2&cursor=${encodeURIComponent(page.next_cursor)}`);
    const rest = (await second.json()) as { devices: { device_id: string }[]; next_cursor: string | null };
    expect(rest.devices.map((d) => d.device_id)).toEqual(['gw-lyon-01/port-3', 'station_123']);
  });

  it('filters by pattern, offset, sort and updated_since', async () => {
    const byPattern = await (await t.call('GET', '/api/devices?pattern=gw-*')).json();
    expect(byPattern.devices.map((d: { device_id: string }) => d.device_id)).toEqual(['gw-lyon-01/port-3']);
    const offset = await (await t.call('GET', '/api/devices?offset=3')).json();
    expect(offset.devices.map((d: { device_id: string }) => d.device_id)).toEqual(['station_123']);
    const updated = await (await t.call('GET', '/api/devices?sort=updated&limit=10')).json();
    expect(updated.devices).toHaveLength(4);
    const future = await (await t.call('GET', `/api/devices?updated_since=${Date.now() + 60_000}`)).json();
    expect(future.devices).toEqual([]);
    const iso = await (await t.call('GET', '/api/devices?updated_since=2020-01-01T00:00:00Z')).json();
    expect(iso.devices).toHaveLength(4);
  });

  it('answers 400 with a code for bad listing parameters', async () => {
    for (const [query, code] of [
      ['limit=0', 'CACHE_007'],
      ['limit=1001', 'CACHE_007'],
      ['limit=ten', 'CACHE_007'],
      ['offset=-1', 'CACHE_007'],
      ['sort=name', 'CACHE_007'],
      ['updated_since=yesterday', 'CACHE_007'],
      ['cursor=not-a-cursor', 'CACHE_007'],
      ['pattern=', 'CACHE_004'],
      ['pattern=%5Bz-a%5D', 'CACHE_004'],
    ] as const) {
      const response = await t.call('GET', `/api/devices?${query}`);
      expect(response.status, query).toBe(400);
      expect((await errorOf(response)).code, query).toBe(code);
    }
  });

  it('reads metadata, readings, one reading and indexes; ids with / travel as %2F', async () => {
    const meta = await t.call('GET', '/api/devices/282c02424eed');
    expect(meta.status).toBe(200);
    expect(await meta.json()).toMatchObject({
      device_id: '282c02424eed',
      last_updated: '2025-06-25T08:57:34.618082Z',
    });
    const door = await t.call('GET', `/api/devices/${DOOR}`);
    expect(await door.json()).toMatchObject({ device_id: 'gw-lyon-01/port-3', datatype_name: 'État porte' });
    const readings = await (await t.call('GET', '/api/devices/282c02424eed/readings')).json();
    expect(readings.readings.map((r: { index: string }) => r.index)).toEqual(['P', 'T', 'U']);
    const one = await (await t.call('GET', '/api/devices/282c02424eed/readings/T')).json();
    expect(one).toMatchObject({ index: 'T', values: [21.4] });
    const indexes = await (await t.call('GET', `/api/devices/${DOOR}/indexes`)).json();
    expect(indexes).toEqual({ device_id: 'gw-lyon-01/port-3', indexes: expect.any(Array) });
  });

  it('answers 404 CACHE_001 with the device id in the details for unknown devices and indexes', async () => {
    for (const path of [
      '/api/devices/nope',
      '/api/devices/nope/readings',
      '/api/devices/nope/indexes',
      '/api/devices/282c02424eed/readings/ZZ',
    ]) {
      const response = await t.call('GET', path);
      expect(response.status, path).toBe(404);
      const error = await errorOf(response);
      expect(error.code).toBe('CACHE_001');
      expect(error.details).toMatchObject({
        key: expect.any(String),
        operation: expect.any(String),
        timestamp: expect.any(String),
      });
    }
  });

  it('rejects bad ids with 400 CACHE_004 (never a 5xx)', async () => {
    for (const id of ['tab%09here', 'x'.repeat(300), '%00']) {
      const response = await t.call('GET', `/api/devices/${id}`);
      expect(response.status, id).toBe(400);
      expect((await errorOf(response)).code).toBe('CACHE_004');
    }
  });

  it('serves ETag and answers 304 to If-None-Match', async () => {
    const first = await t.call('GET', '/api/devices/2207001');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers.get('cache-control')).toBe('private, no-cache');
    const again = await t.call('GET', '/api/devices/2207001', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect(again.headers.get('etag')).toBe(etag);
    const other = await t.call('GET', '/api/devices/2207001', { headers: { 'if-none-match': '"other"' } });
    expect(other.status).toBe(200);
    for (const path of [
      '/api/devices/2207001/readings',
      '/api/devices/282c02424eed/readings/T',
      '/api/devices?limit=5',
    ]) {
      const r = await t.call('GET', path);
      const r2 = await t.call('GET', path, { headers: { 'if-none-match': r.headers.get('etag')! } });
      expect(r2.status, path).toBe(304);
    }
  });

  it('reads metadata of many devices in one batch, in order, with nulls', async () => {
    const response = await t.call('POST', '/api/devices/batch', {
      body: { device_ids: ['2207001', 'nope', 'station_123'] },
    });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.devices.map((d: { device_id: string } | null) => d?.device_id ?? null)).toEqual([
      '2207001',
      null,
      'station_123',
    ]);
    expect(body).toMatchObject({ found: 2, not_found: ['nope'] });
  });

  it('caps batches (413 CACHE_008) and validates them (400)', async () => {
    const big = await t.call('POST', '/api/devices/batch', {
      body: { device_ids: Array.from({ length: 1001 }, (_, i) => `d${i}`) },
    });
    expect(big.status).toBe(413);
    expect((await errorOf(big)).code).toBe('CACHE_008');
    for (const body of [{}, { device_ids: [] }, { device_ids: 'x' }, { device_ids: [1] }, []]) {
      const response = await t.call('POST', '/api/devices/batch', { body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect((await errorOf(response)).code).toBe('CACHE_007');
    }
    const bad = await t.call('POST', '/api/devices/batch', { body: { device_ids: ['ok', ''] } });
    expect((await errorOf(bad)).code).toBe('CACHE_004');
    const notJson = await t.call('POST', '/api/devices/batch', { rawBody: '{"device_ids": [' });
    expect(notJson.status).toBe(400);
    expect((await errorOf(notJson)).code).toBe('CACHE_007');
  });

  it('answers the cache statistics', async () => {
    const stats = await (await t.call('GET', '/api/stats')).json();
    expect(stats).toMatchObject({ total_devices: 4, backend: 'memory', ttl_seconds: 86_400 });
  });
});
