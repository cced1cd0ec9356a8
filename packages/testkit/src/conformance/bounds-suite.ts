import { INPUT_BOUNDS, type Reading, timestampFromMillis } from '@org/cache-core';
import { expect, it } from 'vitest';
import { makeReading } from './reading-factory.js';
import { type MakeClient, withClient } from './types.js';

function nested(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

function withMetadataKeys(r: Reading, count: number): Reading {
  const metadata: Record<string, unknown> = { ...r.metadata };
  for (let i = 0; i < count; i++) metadata[`extra_${i}`] = i;
  return { ...r, metadata };
}

/** Input bounds, the clock-skew rule and the data rules every transport applies the same way. */
export function boundsSuite(make: MakeClient): void {
  it('refuses a batch with one reading out of bounds and writes nothing of it', () =>
    withClient(make, {}, async (client) => {
      const cases: [Reading, string, string][] = [
        [{ ...makeReading('bad', 'T', 1), values: [nested(9_000)] }, 'value_too_deep', 'CACHE_007'],
        [withMetadataKeys(makeReading('bad', 'T', 1), 5_000), 'too_many_metadata_keys', 'CACHE_008'],
        [
          { ...makeReading('bad', 'T', 1), timestamp: timestampFromMillis(Date.now() + 3_600_000) },
          'timestamp_in_future',
          'CACHE_007',
        ],
        [
          { ...makeReading('bad', 'T', 1), timestamp: '9999-12-31T23:59:59.000000Z' },
          'timestamp_in_future',
          'CACHE_007',
        ],
        [{ ...makeReading('bad', 'T', 1), index: 'i'.repeat(65) }, 'index_too_long', 'CACHE_004'],
        [
          { ...makeReading('bad', 'T', 1), values: ['x'.repeat(INPUT_BOUNDS.maxMessageBytes)] },
          'message_too_large',
          'CACHE_008',
        ],
      ];
      for (const [bad, reason, code] of cases) {
        const batch = [makeReading('good-1', 'T', 1), bad, makeReading('good-2', 'T', 1)];
        const error = await client.upsertReadings(batch).then(
          () => null,
          (e: unknown) => e as { code: string; details: Record<string, unknown>; message: string },
        );
        expect(error, reason).toMatchObject({ code, details: { position: 1, reason } });
        expect(error!.message).not.toMatch(/sha|user_script|stack|unpack/i);
      }
      expect((await client.listDevices()).devices).toEqual([]);
      expect(await client.getReadings('good-1')).toEqual([]);
      // within the bounds: written
      const ok = [
        { ...makeReading('deep-ok', 'T', 1), values: [nested(INPUT_BOUNDS.maxValueDepth - 1)] },
        withMetadataKeys(makeReading('keys-ok', 'T', 1), INPUT_BOUNDS.maxMetadataKeys - 1),
        { ...makeReading('soon', 'T', 1), timestamp: timestampFromMillis(Date.now() + 60_000) },
      ];
      expect(await client.upsertReadings(ok)).toMatchObject({ written: 3, stale: 0 });
      expect((await client.getReadings('deep-ok', 'T'))[0]?.values).toEqual([
        nested(INPUT_BOUNDS.maxValueDepth - 1),
      ]);
    }));

  it('refuses metadata out of bounds, including last_updated in the future', () =>
    withClient(make, {}, async (client) => {
      const base = {
        datatype_id: 'x',
        datatype_name: 'X',
        datatype_unit: null,
        persist: true,
        last_updated: '2025-06-25T08:00:00Z',
      };
      const many: Record<string, unknown> = {};
      for (let i = 0; i < 5_000; i++) many[`k${i}`] = i;
      await expect(
        client.storeDeviceMetadata('m', { ...base, additional_properties: many }),
      ).rejects.toMatchObject({ code: 'CACHE_008', details: { reason: 'too_many_metadata_keys' } });
      await expect(
        client.storeDeviceMetadata('m', { ...base, additional_properties: { deep: nested(9_000) } }),
      ).rejects.toMatchObject({ code: 'CACHE_007', details: { reason: 'value_too_deep' } });
      await expect(
        client.storeDeviceMetadata('m', { ...base, additional_properties: { ['k'.repeat(200)]: 1 } }),
      ).rejects.toMatchObject({ code: 'CACHE_008', details: { reason: 'metadata_key_too_long' } });
      await expect(
        client.storeDeviceMetadata('m', { ...base, last_updated: '9999-12-31T23:59:59Z' }),
      ).rejects.toMatchObject({ code: 'CACHE_007', details: { reason: 'timestamp_in_future' } });
      expect(await client.getDeviceMetadata('m')).toBeNull();
    }));

  it('names up to 10 stale readings', () =>
    withClient(make, {}, async (client) => {
      const newer = Array.from({ length: 15 }, (_, i) => makeReading(`s-${i}`, 'T', 100));
      await client.upsertReadings(newer);
      const older = Array.from({ length: 15 }, (_, i) => makeReading(`s-${i}`, 'T', 50));
      const result = await client.upsertReadings([...older, makeReading('fresh', 'T', 1)]);
      expect(result).toMatchObject({ written: 1, stale: 15 });
      expect(result.staleSamples).toHaveLength(10);
      for (const s of result.staleSamples) {
        expect(s).toEqual({
          device_id: expect.stringMatching(/^s-\d+$/),
          index: 'T',
          timestamp: makeReading('x', 'T', 50).timestamp,
        });
      }
      expect((await client.upsertReadings([makeReading('fresh', 'T', 2)])).staleSamples).toEqual([]);
    }));

  it('rounds a sub-second TTL up to one second, and answers what is stored', () =>
    withClient(make, {}, async (root) => {
      const client = root.forTenant('ttl-rules');
      const before = Date.now();
      const entry = await client.set('tiny', 1, { ttl: 0.0004 });
      expect(entry.ttl).toBe(1);
      const expires = Date.parse(entry.expires_at!);
      expect(expires).toBeGreaterThanOrEqual(before + 900);
      expect(expires).toBeLessThanOrEqual(Date.now() + 1_100);
      const stored = await client.get('tiny');
      expect(stored?.ttl).toBe(1);
      expect(Math.abs(Date.parse(stored!.expires_at!) - expires)).toBeLessThan(1_100);
      expect((await client.set('frac', 1, { ttl: 1.2 })).ttl).toBe(2);
      await new Promise((r) => setTimeout(r, 1_200));
      expect(await client.get('tiny')).toBeNull();
      await expect(client.set('huge', 1, { ttl: 1e300 })).rejects.toMatchObject({ code: 'CACHE_007' });
      await expect(client.set('deep', nested(9_000) as never)).rejects.toMatchObject({ code: 'CACHE_007' });
    }));

  it('refuses the keys "." and "..", invalid globs and malformed cursors, without internal detail', () =>
    withClient(make, {}, async (root) => {
      const client = root.forTenant('rules');
      for (const key of ['.', '..']) {
        await expect(client.set(key, 1)).rejects.toMatchObject({ code: 'CACHE_004' });
        await expect(client.get(key)).rejects.toMatchObject({ code: 'CACHE_004' });
      }
      expect((await client.set('.x', 1)).key).toBe('.x');
      for (const pattern of ['[z-a]', 'a[9-0]*', 'p'.repeat(513)]) {
        await expect(client.listDevices({ pattern })).rejects.toMatchObject({ code: 'CACHE_004' });
        await expect(client.listKeys(pattern)).rejects.toMatchObject({ code: 'CACHE_004' });
        await expect(client.invalidate(pattern)).rejects.toMatchObject({ code: 'CACHE_004' });
      }
      for (const cursor of ['abc', '%%%', '-1', '99999999999999999999999', '18446744073709551616']) {
        for (const call of [
          () => client.listKeys('*', { cursor }),
          () => client.listDevices({ cursor }),
          () => client.listDevices({ cursor, sort: 'updated' }),
        ]) {
          const error = await call().then(
            () => null,
            (e: unknown) => e as { code: string; message: string },
          );
          expect(error, cursor).toMatchObject({ code: 'CACHE_007' });
          expect(error!.message).toBe('cursor is malformed; pass back the next_cursor of a previous page');
        }
      }
      await expect(root.listDevices({ offset: 1e21 })).rejects.toMatchObject({ code: 'CACHE_007' });
      // well-formed cursors with extreme values answer a page, never a backend error
      const forged = (c: object) => Buffer.from(JSON.stringify(c)).toString('base64url');
      await root.upsertReadings([makeReading('only', 'T', 1)]);
      for (const [cursor, sort] of [
        [forged({ s: 'updated', score: 1e300, skip: Number.MAX_SAFE_INTEGER }), 'updated'],
        [forged({ s: 'updated', score: -1e300, skip: 0 }), 'updated'],
        [forged({ s: 'id', after: 'x'.repeat(700) }), 'id'],
        [forged({ s: 'id', after: '' }), 'id'],
      ] as const) {
        const page = await root.listDevices({ cursor, sort, pattern: 'o*' });
        expect(page.devices.length).toBeLessThanOrEqual(1);
      }
      expect((await root.listDevices({ offset: INPUT_BOUNDS.maxListOffset })).devices).toEqual([]);
      await expect(root.listDevices({ offset: INPUT_BOUNDS.maxListOffset + 1 })).rejects.toMatchObject({
        code: 'CACHE_007',
      });
    }));
}
