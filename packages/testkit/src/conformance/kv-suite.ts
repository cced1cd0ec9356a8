import { expect, it } from 'vitest';
import { type MakeClient, sleep, withClient } from './types.js';

export function kvSuite(make: MakeClient): void {
  it('sets, gets, versions and deletes values', () =>
    withClient(make, {}, async (root) => {
      const client = root.forTenant('acme');
      const first = await client.set('user:1', { name: 'Ada', tags: ['x'] }, { ttl: 60 });
      expect(first).toMatchObject({
        key: 'user:1',
        value: { name: 'Ada', tags: ['x'] },
        ttl: 60,
        version: 1,
      });
      const second = await client.set('user:1', { name: 'Ada L.' });
      expect(second.version).toBe(2);
      const got = await client.get('user:1');
      expect(got).toMatchObject({ key: 'user:1', value: { name: 'Ada L.' }, version: 2 });
      expect(got!.ttl).toBeGreaterThan(3500);
      expect(Date.parse(got!.expires_at!)).toBeGreaterThan(Date.now());
      const forever = await client.set('config', 'v', { ttl: null });
      expect(forever.ttl).toBeNull();
      expect((await client.get('config'))?.expires_at).toBeNull();
      expect((await client.listKeys('*')).keys.sort()).toEqual(['config', 'user:1']);
      expect((await client.listKeys('con*')).keys).toEqual(['config']);
      expect(await client.delete('user:1')).toBe(true);
      expect(await client.delete('user:1')).toBe(false);
      expect(await client.get('user:1')).toBeNull();
      const stats = await client.stats();
      expect(stats).toMatchObject({ tenant: 'acme', keys: 1 });
      expect(stats.hits).toBeGreaterThanOrEqual(2);
      expect(stats.misses).toBeGreaterThanOrEqual(1);
    }));

  it('gets and sets many at once, and keeps JSON types', () =>
    withClient(make, {}, async (root) => {
      const client = root.forTenant('batch');
      const values = [0, false, null, 'text', [1, [2]], { nested: { deep: true } }, 1.5e300, 'ünïcødé ✓'];
      await client.setMany(values.map((value, i) => ({ key: `k${i}`, value })));
      const entries = await client.getMany([...values.map((_, i) => `k${i}`), 'missing']);
      expect(entries.map((e) => e?.value)).toEqual([...values, undefined]);
      expect(entries[entries.length - 1]).toBeNull();
    }));

  it('expires values with a short TTL', () =>
    withClient(make, {}, async (root) => {
      const client = root.forTenant('ttl');
      await client.set('soon', 1, { ttl: 1 });
      await client.set('later', 2, { ttl: 60 });
      await sleep(1300);
      expect(await client.get('soon')).toBeNull();
      expect((await client.get('later'))?.value).toBe(2);
      expect((await client.listKeys('*')).keys).toEqual(['later']);
      expect((await client.stats()).keys).toBe(1);
    }));

  it('stores large values', () =>
    withClient(make, {}, async (root) => {
      const client = root.forTenant('big');
      const value = { blob: 'x'.repeat(1024 * 1024), list: Array.from({ length: 10_000 }, (_, i) => i) };
      await client.set('large', value);
      expect((await client.get('large'))?.value).toEqual(value);
    }));

  it('isolates tenants: no read, list, delete or invalidate crosses over, whatever the pattern', () =>
    withClient(make, {}, async (root) => {
      const a = root.forTenant('tenant-a');
      const b = root.forTenant('tenant-b');
      const keys = [
        'shared',
        'a*',
        '[x]',
        'back\\slash',
        '*',
        'kv:{tenant-b}:e:shared',
        '../tenant-b/shared',
      ];
      await a.setMany(keys.map((key) => ({ key, value: `A:${key}` })));
      await b.set('shared', 'B:shared');
      await b.set('own', 'B:own');

      expect((await b.get('shared'))?.value).toBe('B:shared');
      expect(await b.get('a*')).toBeNull();
      expect(await b.get('kv:{tenant-b}:e:shared')).toBeNull();
      expect((await b.listKeys('*')).keys.sort()).toEqual(['own', 'shared']);
      expect(await b.delete('[x]')).toBe(false);
      for (const pattern of ['*', '[', '\\', '*a*', '[x]', '?']) await b.invalidate(pattern).catch(() => 0);
      expect(await b.get('shared')).toBeNull();

      expect((await a.listKeys('*', { limit: 100 })).keys.sort()).toEqual([...keys].sort());
      for (const key of keys) expect((await a.get(key))?.value).toBe(`A:${key}`);
      await b.clearTenant();
      expect((await a.stats()).keys).toBe(keys.length);
      expect(await a.invalidate('a\\*')).toBe(1);
      expect(await a.get('a*')).toBeNull();
      expect((await a.get('shared'))?.value).toBe('A:shared');
      expect(await a.clearTenant()).toBe(keys.length - 1);
      expect((await a.listKeys('*')).keys).toEqual([]);
    }));

  it('flushes everything', () =>
    withClient(make, {}, async (root) => {
      await root.forTenant('f').set('k', 1);
      await root.upsertReadings([
        {
          device_id: 'flushed',
          index: 'T',
          timestamp: '2025-06-25T08:00:00.000000Z',
          request_id: null,
          values: [1],
          labels: null,
          display_names: null,
          metadata: null,
        },
      ]);
      await root.flush();
      expect(await root.forTenant('f').get('k')).toBeNull();
      expect(await root.getReadings('flushed')).toEqual([]);
      expect((await root.listDevices()).devices).toEqual([]);
    }));
}
