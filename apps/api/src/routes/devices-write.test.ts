import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { demoDataPath } from '../demo-data.js';
import { errorOf, memoryApp } from '../test/fixtures.js';

const lines = () =>
  readFileSync(demoDataPath()!, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('device writes', () => {
  it('writes a batch of ValidatedOutput (bare array or {readings}), latest per device and index', async () => {
    const t = memoryApp();
    const response = await t.call('POST', '/api/devices/readings', { body: lines() });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ written: 8, stale: 1, invalid: 0, devices: 4, errors: [] });
    expect(body.staleSamples).toEqual(expect.any(Array));
    const again = await t.call('POST', '/api/devices/readings', { body: { readings: lines() } });
    // A replay rewrites the same state (equal timestamps apply again): nothing changes.
    expect(await again.json()).toMatchObject({ written: 8, stale: 1, invalid: 0 });
    const t2 = await (await t.call('GET', '/api/devices/282c02424eed/readings/T')).json();
    expect(t2.values).toEqual([21.4]);
  });

  it('writes the valid readings of a mixed batch and says which were invalid and why', async () => {
    const t = memoryApp();
    const [good] = lines();
    const batch = [
      good,
      { device_id: '', timestamp: 'x', values: [] },
      'not an object',
      { ...good, timestamp: 'yesterday' },
    ];
    const response = await t.call('POST', '/api/devices/readings', { body: batch });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ written: 1, stale: 0, invalid: 3, devices: 1 });
    expect(body.errors.map((e: { position: number }) => e.position)).toEqual([1, 2, 3]);
    expect(body.errors[2]).toMatchObject({ device_id: '282c02424eed', field: 'timestamp' });
  });

  it('answers 400 CACHE_007 when no reading is valid, 413 over the batch cap', async () => {
    const t = memoryApp({ limits: { rateLimit: null, maxReadingsBatch: 3 } });
    const none = await t.call('POST', '/api/devices/readings', { body: [{ nope: 1 }] });
    expect(none.status).toBe(400);
    const error = await errorOf(none);
    expect(error.code).toBe('CACHE_007');
    expect(error.details.errors).toHaveLength(1);
    const big = await t.call('POST', '/api/devices/readings', { body: lines() });
    expect(big.status).toBe(413);
    expect((await errorOf(big)).code).toBe('CACHE_008');
    for (const body of [{}, 'text', 42, { readings: 'x' }]) {
      const r = await t.call('POST', '/api/devices/readings', { body });
      expect(r.status, JSON.stringify(body)).toBe(400);
    }
    const empty = await t.call('POST', '/api/devices/readings', { body: [] });
    expect(await empty.json()).toMatchObject({ written: 0, stale: 0, invalid: 0 });
  });

  it('stores metadata with PUT and answers what is stored (an older one loses)', async () => {
    const t = memoryApp();
    const put = (body: unknown) =>
      t.call('PUT', `/api/devices/${encodeURIComponent('gw/7')}/metadata`, { body });
    const first = await put({
      datatype_id: 'dt',
      datatype_name: 'Temp',
      datatype_unit: '°C',
      last_updated: '2025-06-25T10:00:00',
    });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({
      device_id: 'gw/7',
      datatype_id: 'dt',
      datatype_name: 'Temp',
      datatype_unit: '°C',
      persist: true,
      last_updated: '2025-06-25T10:00:00.000000Z',
      additional_properties: {},
    });
    const older = await put({
      datatype_id: 'dt',
      datatype_name: 'Old',
      last_updated: '2025-06-25T09:00:00Z',
    });
    expect((await older.json()).datatype_name).toBe('Temp');
    const now = await put({
      datatype_id: 'dt2',
      datatype_name: 'Now',
      additional_properties: { battery_ok: true },
    });
    expect(await now.json()).toMatchObject({
      datatype_name: 'Now',
      additional_properties: { battery_ok: true },
    });
  });

  it('refuses bad metadata with 400 and a code', async () => {
    const t = memoryApp();
    for (const [body, code] of [
      [{ datatype_name: 'x' }, 'CACHE_007'],
      [{ datatype_id: 'x', datatype_name: 'y', last_updated: 'soon' }, 'CACHE_007'],
      [{ datatype_id: 'x', datatype_name: 'y', persist: 'yes' }, 'CACHE_007'],
    ] as const) {
      const r = await t.call('PUT', '/api/devices/d1/metadata', { body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect((await errorOf(r)).code).toBe(code);
    }
    const badId = await t.call('PUT', `/api/devices/${'x'.repeat(300)}/metadata`, {
      body: { datatype_id: 'a', datatype_name: 'b' },
    });
    expect((await errorOf(badId)).code).toBe('CACHE_004');
  });
});
