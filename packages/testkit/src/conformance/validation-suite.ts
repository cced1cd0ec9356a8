import { expect, it } from 'vitest';
import { makeReading } from './reading-factory.js';
import { type MakeClient, withClient } from './types.js';

const BAD_IDS = ['', 'tab\there', 'nul\u0000', 'x'.repeat(600), 'line\nbreak'];

export function validationSuite(make: MakeClient): void {
  it('rejects empty or malformed ids, keys and tenants with CACHE_004', () =>
    withClient(make, {}, async (client) => {
      for (const id of BAD_IDS) {
        await expect(client.getDeviceMetadata(id), JSON.stringify(id)).rejects.toMatchObject({
          code: 'CACHE_004',
        });
        await expect(client.getReadings(id)).rejects.toMatchObject({ code: 'CACHE_004' });
        await expect(client.upsertReadings([makeReading(id, 'T', 1)])).rejects.toMatchObject({
          code: 'CACHE_004',
        });
        await expect(client.set(id, 1)).rejects.toMatchObject({ code: 'CACHE_004' });
      }
      await expect(client.getReadings('ok', 'bad\nindex')).rejects.toMatchObject({ code: 'CACHE_004' });
      await expect(client.listDevices({ pattern: '' })).rejects.toMatchObject({ code: 'CACHE_004' });
      for (const tenant of ['', 'a b', 'a}b', '*', 'x'.repeat(65)]) {
        expect(() => client.forTenant(tenant), JSON.stringify(tenant)).toThrow(
          expect.objectContaining({ code: 'CACHE_004' }),
        );
      }
      // Nothing was written by the rejected calls.
      expect((await client.listDevices()).devices).toEqual([]);
    }));

  it('rejects values that are not JSON', () =>
    withClient(make, {}, async (client) => {
      await expect(client.set('k', undefined as never)).rejects.toMatchObject({ code: 'CACHE_007' });
      await expect(client.set('k', 1, { ttl: -5 })).rejects.toMatchObject({ code: 'CACHE_007' });
    }));
}
