import { randomUUID } from 'node:crypto';
import { createKeyScheme } from '@org/cache-core';
import { fixtureReadings, type RedisServer, startRedis } from '@org/cache-testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientSettingsOf, createServiceCacheClient } from './cache-client-factory.js';
import { parseCommonSettings } from './settings.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

describe('createServiceCacheClient over a real Redis', () => {
  it('writes under KEY_PREFIX with the TTL, and appends events while the outbox is on', async () => {
    const prefix = `sk-${randomUUID().slice(0, 8)}:`;
    const settings = parseCommonSettings({
      REDIS_URL: redis.url,
      KEY_PREFIX: prefix,
      REDIS_METADATA_TTL: '120',
    });
    await using client = createServiceCacheClient(clientSettingsOf(settings));
    const readings = fixtureReadings().slice(0, 3);
    await client.upsertReadings(readings);
    const page = await client.readEvents();
    expect(page.events.length).toBeGreaterThan(0);
    const raw = new Redis(redis.url);
    try {
      const deviceKey = createKeyScheme(prefix).deviceMetadata(readings[0]!.device_id);
      expect(deviceKey.startsWith(prefix)).toBe(true);
      const ttl = await raw.ttl(deviceKey);
      expect(ttl).toBeGreaterThan(100);
      expect(ttl).toBeLessThanOrEqual(120);
    } finally {
      raw.disconnect();
    }
  });

  it('OUTBOX_ENABLED=false: the same writes append no event', async () => {
    const prefix = `sk-${randomUUID().slice(0, 8)}:`;
    const settings = parseCommonSettings({
      REDIS_URL: redis.url,
      KEY_PREFIX: prefix,
      OUTBOX_ENABLED: 'false',
    });
    await using client = createServiceCacheClient(clientSettingsOf(settings));
    const result = await client.upsertReadings(fixtureReadings().slice(0, 3));
    expect(result.written).toBeGreaterThan(0);
    expect((await client.readEvents()).events).toEqual([]);
  });
});
