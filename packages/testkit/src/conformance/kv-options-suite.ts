import type { CacheClient } from '@org/cache-client';
import {
  appliedOptionsOf,
  type CacheEntry,
  isExpiredAt,
  type JsonValue,
  type KvWriteOptions,
  STORED_VALUE_MARK,
  ValidationError,
} from '@org/cache-core';
import { describe, expect, it } from 'vitest';
import { sleep } from './types.js';

/** Makes a client on an empty cache with the stored-value codec (a key ring when `encryption`). */
export type MakeCodecClient = (options: { encryption: boolean }) => Promise<CacheClient>;

/** A write with tenant-cache options through `CacheClient.set` (ttl absent: never expires). */
export async function writeWithOptions(
  client: CacheClient,
  key: string,
  value: JsonValue,
  options: KvWriteOptions & { ttl?: number | null } = {},
): Promise<CacheEntry> {
  return client.set(key, value, { ttl: null, ...options });
}

/** A realistic JSON value: a device's configuration and its last readings (about 9 KB). */
export function realisticValue(seed = 1): JsonValue {
  return {
    device_id: `gw-lyon-${seed}`,
    firmware: { version: '4.2.17', channel: 'stable', built_at: '2026-10-02T08:00:00Z' },
    location: { site: 'Lyon Part-Dieu', floor: 3, room: `B-${300 + seed}`, lat: 45.7607, lon: 4.8591 },
    readings: Array.from({ length: 60 }, (_, i) => ({
      index: ['T', 'U', 'P'][i % 3]!,
      timestamp: `2026-11-30T10:${String(i).padStart(2, '0')}:00.000000Z`,
      values: [20 + ((i * seed) % 7) / 10, 40 + (i % 11)],
      labels: ['temperature', 'humidity'],
      metadata: { datatype_unit: i % 3 === 0 ? '°C' : '%', battery_ok: true, channel_number: i % 4 },
    })),
  };
}

/**
 * The tenant-cache options every transport must honour the same way: compression and encryption
 * are transparent to readers, encryption without a key is refused, `strong` says what it did,
 * and a key read after it expired is told apart from one that never was.
 */
export function kvOptionsSuite(
  make: MakeCodecClient,
  deployment: { replicas: boolean } = { replicas: false },
): void {
  describe('tenant-cache options', () => {
    it('compresses a large value and every reader gets it back', async () => {
      await using client = await make({ encryption: false });
      const value = realisticValue();
      const entry = await writeWithOptions(client, 'config:1', value, { compression: true });
      expect(entry.value).toEqual(value);
      const applied = appliedOptionsOf(entry);
      expect(applied?.compression).toMatch(/^(zstd|brotli)$/);
      expect(applied!.stored_bytes).toBeLessThan(applied!.value_bytes / 2);
      expect((await client.get('config:1'))?.value).toEqual(value);
      expect((await client.getMany(['config:1', 'missing'])).map((e) => e?.value ?? null)).toEqual([
        value,
        null,
      ]);
      const plain = await writeWithOptions(client, 'config:2', value, { compression: false });
      expect(appliedOptionsOf(plain)?.compression).toBe('none');
      expect((await client.get('config:2'))?.value).toEqual(value);
    });

    it('encrypts at rest and reads back, naming the key id', async () => {
      await using client = await make({ encryption: true });
      const value = { card: '4111-1111-1111-1111', holder: 'Ada' };
      const entry = await writeWithOptions(client, 'pay:1', value, { encryption: true });
      expect(appliedOptionsOf(entry)).toMatchObject({
        encryption: 'aes-256-gcm',
        key_id: expect.any(String),
      });
      expect((await client.get('pay:1'))?.value).toEqual(value);
      const both = await writeWithOptions(client, 'pay:2', realisticValue(2), {
        encryption: true,
        compression: true,
      });
      expect(appliedOptionsOf(both)).toMatchObject({
        encryption: 'aes-256-gcm',
        compression: expect.stringMatching(/zstd|brotli/),
      });
      expect((await client.get('pay:2'))?.value).toEqual(realisticValue(2));
    });

    it('refuses encryption without a key (CACHE_007) and writes nothing', async () => {
      await using client = await make({ encryption: false });
      const error = await writeWithOptions(client, 'pay:1', { card: '4111' }, { encryption: true }).catch(
        (e) => e,
      );
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ code: 'CACHE_007', status: 400 });
      expect(await client.get('pay:1')).toBeNull();
    });

    it('says what a strong write did', async () => {
      await using client = await make({ encryption: false });
      const strong = appliedOptionsOf(await writeWithOptions(client, 'k', 1, { consistency: 'strong' }));
      expect(strong?.consistency).toBe('strong');
      if (deployment.replicas) expect(strong?.replication).toMatchObject({ waited: true, acknowledged: 1 });
      else expect(strong?.replication).toMatchObject({ replicas: 0, waited: false });
      const eventual = appliedOptionsOf(await writeWithOptions(client, 'k', 2, {}));
      expect(eventual?.consistency).toBe('eventual');
      expect(eventual?.replication).toBeUndefined();
    });

    it('keeps a plain string that looks like a frame as it is', async () => {
      await using client = await make({ encryption: false });
      const tricky = `${STORED_VALUE_MARK}1nnAAAA`;
      await writeWithOptions(client, 'tricky', tricky);
      expect((await client.get('tricky'))?.value).toBe(tricky);
    });

    it('tells a key that expired (CACHE_002) from one that never was', async () => {
      await using client = await make({ encryption: false });
      await writeWithOptions(client, 'short', 'x', { ttl: 1 });
      await sleep(1200);
      const expired = await client.transport.kvGet(client.tenant, ['short']);
      const never = await client.transport.kvGet(client.tenant, ['never']);
      expect([expired, never]).toEqual([[null], [null]]);
      expect(isExpiredAt(expired, 0)).toBe(true);
      expect(isExpiredAt(never, 0)).toBe(false);
      const both = await client.transport.kvGet(client.tenant, ['never', 'short']);
      expect([isExpiredAt(both, 0), isExpiredAt(both, 1)]).toEqual([false, true]);
      expect(await client.get('short')).toBeNull();
    });
  });
}
