import type { CacheClient, ListDevicesOptions } from '@org/cache-client';
import { escapeGlob } from '@org/cache-core';
import { expect, it } from 'vitest';
import { makeReading } from './reading-factory.js';
import { type MakeClient, withClient } from './types.js';

async function listAll(client: CacheClient, options: ListDevicesOptions, onPage?: () => Promise<void>) {
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await client.listDevices({ ...options, cursor });
    seen.push(...page.devices.map((d) => d.device_id));
    cursor = page.next_cursor;
    if (onPage) await onPage();
    if (++pages > 10_000) throw new Error('listing does not end');
  } while (cursor !== null);
  return seen;
}

export function listingSuite(make: MakeClient): void {
  it('pages by cursor with no duplicates or gaps while writes happen', () =>
    withClient(make, {}, async (client) => {
      const ids = Array.from({ length: 230 }, (_, i) => `dev-${String(i).padStart(4, '0')}`);
      await client.upsertReadings(ids.map((id, i) => makeReading(id, 'T', i)));
      let writes = 0;
      const seen = await listAll(client, { limit: 25 }, async () => {
        writes++;
        // Rewrite existing devices and add new ones between pages.
        await client.upsertReadings([
          makeReading(ids[(writes * 37) % ids.length]!, 'T', 1000 + writes),
          makeReading(`new-${writes}`, 'U', 1),
        ]);
      });
      expect(new Set(seen).size).toBe(seen.length);
      for (const id of ids) expect(seen).toContain(id);
      expect(seen.filter((id) => id.startsWith('dev-'))).toEqual(ids);
    }));

  it('honours limit, offset and the updated order', () =>
    withClient(make, {}, async (client) => {
      for (let i = 0; i < 5; i++) await client.upsertReadings([makeReading(`u${i}`, 'T', i)]);
      const first = await client.listDevices({ limit: 2 });
      expect(first.devices.map((d) => d.device_id)).toEqual(['u0', 'u1']);
      expect(first.next_cursor).not.toBeNull();
      expect((await client.listDevices({ limit: 2, offset: 3 })).devices.map((d) => d.device_id)).toEqual([
        'u3',
        'u4',
      ]);
      const updated = await listAll(client, { sort: 'updated', limit: 2 });
      expect(updated).toHaveLength(5);
      expect(new Set(updated).size).toBe(5);
      expect(updated[0]).toBe('u4');
      const d = (await client.listDevices({ limit: 1 })).devices[0]!;
      expect(Date.parse(d.expires_at)).toBeGreaterThan(Date.parse(d.updated_at));
      await expect(client.listDevices({ limit: 0 })).rejects.toMatchObject({ code: 'CACHE_007' });
      await expect(client.listDevices({ cursor: 'not-a-cursor' })).rejects.toMatchObject({
        code: 'CACHE_007',
      });
    }));

  it('filters by updatedSince', () =>
    withClient(make, {}, async (client) => {
      await client.upsertReadings([makeReading('before', 'T', 1)]);
      await new Promise((r) => setTimeout(r, 50));
      const since = new Date();
      await new Promise((r) => setTimeout(r, 20));
      await client.upsertReadings([makeReading('after', 'T', 1)]);
      expect(await listAll(client, { updatedSince: since })).toEqual(['after']);
    }));

  it('matches glob patterns, with metacharacters inside ids taken literally when escaped', () =>
    withClient(make, {}, async (client) => {
      const ids = ['a*b', 'a?c', 'x[1]', 'x[2]', 'back\\slash', 'plain-1', 'plain-2', 'abc'];
      await client.upsertReadings(ids.map((id, i) => makeReading(id, 'T', i)));
      const match = (pattern: string) => listAll(client, { pattern, limit: 3 });
      expect(await match(escapeGlob('a*b'))).toEqual(['a*b']);
      expect(await match('a*')).toEqual(['a*b', 'a?c', 'abc']);
      expect(await match('a?c')).toEqual(['a?c', 'abc']);
      expect(await match(escapeGlob('x[') + '*')).toEqual(['x[1]', 'x[2]']);
      expect(await match('x\\[[2]\\]')).toEqual(['x[2]']);
      expect(await match(escapeGlob('back\\slash'))).toEqual(['back\\slash']);
      expect(await match('plain-[^1]')).toEqual(['plain-2']);
      expect(await match('*')).toHaveLength(ids.length);
      expect(await match('zzz*')).toEqual([]);
    }));

  it('does bounded work per call with a sparse pattern, returning short pages with a cursor', () =>
    withClient(make, {}, async (client) => {
      const readings = Array.from({ length: 3000 }, (_, i) =>
        makeReading(`s-${String(i).padStart(5, '0')}`, 'T', i),
      );
      for (let i = 0; i < readings.length; i += 1000)
        await client.upsertReadings(readings.slice(i, i + 1000));
      const first = await client.listDevices({ pattern: '*-02999', limit: 10 });
      expect(first.devices).toEqual([]);
      expect(first.next_cursor).not.toBeNull();
      expect(await listAll(client, { pattern: '*-02999', limit: 10 })).toEqual(['s-02999']);
    }));
}
