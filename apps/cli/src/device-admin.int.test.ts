/**
 * `cache-cli devices reset|future`, the built binary against a real Redis and the real API (its
 * built server entry, over the same Redis, with a `devices:admin` token): a device poisoned by a
 * reading stamped in the future is found, previewed, reset, and then takes real readings again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CacheClient, createCacheClient, type Reading } from '@org/cache-client';
import { freePort, type RedisServer, startRedis } from '@org/cache-testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ApiProcess, runCli, startApiProcess } from './test/run-cli.js';

const ADMIN_TOKEN = 'cli-admin-token-0123456789abcdef';
const PLAIN_TOKEN = 'cli-plain-token-0123456789abcdef';
const PREFIX = `cli-admin-${process.pid}:`;

let redis: RedisServer;
let api: ApiProcess;
/** Writes the poisoned state as it was before the skew check existed: no bound on the future. */
let unbounded: CacheClient;
let home: string;

const reading = (device: string, timestamp: string, value: number): Reading => ({
  device_id: device,
  index: 'T',
  timestamp,
  request_id: null,
  values: [value],
  labels: null,
  display_names: null,
  metadata: { datatype_id: 'dt', datatype_name: 'Temperature', datatype_unit: 'C', persist: true },
});

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'cache-cli-admin-'));
  redis = await startRedis();
  unbounded = createCacheClient({
    transport: 'redis',
    url: redis.url,
    keyPrefix: PREFIX,
    maxFutureSkewMs: 10_000 * 365 * 86_400_000,
  });
  api = await startApiProcess(await freePort(), {
    REDIS_URL: redis.url,
    KEY_PREFIX: PREFIX,
    API_TOKENS: JSON.stringify([
      { service_id: 'ops', token: ADMIN_TOKEN, scopes: ['cache:read', 'devices:admin'] },
      { service_id: 'reader', token: PLAIN_TOKEN, scopes: ['cache:read'] },
    ]),
    RATE_LIMIT_ENABLED: 'false',
  });
});

afterAll(async () => {
  await api?.stop();
  await unbounded?.close();
  await redis?.stop();
  rmSync(home, { recursive: true, force: true });
});

const transports = [
  { name: 'http', args: () => ['--api-url', api.url, '--token', ADMIN_TOKEN] },
  { name: 'redis', args: () => ['--redis-url', redis.url, '--key-prefix', PREFIX] },
] as const;

describe.each(transports)('cache-cli devices over $name', ({ name, args }) => {
  const cli = (rest: string[]) => runCli(home, [...args(), ...rest]);
  const frozen = `frozen-${name}`;
  const healthy = `healthy-${name}`;

  beforeEach(async () => {
    await unbounded.upsertReadings([
      reading(healthy, '2025-06-25T08:00:00.000000Z', 1),
      reading(frozen, '2025-06-25T08:00:00.000000Z', 2),
      reading(frozen, '9999-12-31T23:59:59.000000Z', 3),
    ]);
  });

  it('future: lists the devices stamped ahead of the clock (table and JSON); --after moves the line', async () => {
    const json = await cli(['devices', 'future', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const page = json.json<{
      devices: { device_id: string; newest_timestamp: string }[];
      next_cursor: null;
    }>();
    expect(page.devices).toContainEqual({
      device_id: frozen,
      newest_timestamp: '9999-12-31T23:59:59.000000Z',
    });
    expect(page.devices.map((d) => d.device_id)).not.toContain(healthy);
    expect(page.next_cursor).toBeNull();
    const table = await cli(['devices', 'future']);
    expect(table.stdout).toMatch(/^DEVICE_ID\s+NEWEST_TIMESTAMP$/m);
    expect(table.stdout).toMatch(new RegExp(`^${frozen}\\s+9999-12-31T23:59:59\\.000000Z$`, 'm'));
    const early = (await cli(['devices', 'future', '--after', '2000-01-01T00:00:00Z', '--json'])).json<{
      devices: { device_id: string }[];
    }>();
    expect(early.devices.map((d) => d.device_id)).toEqual(expect.arrayContaining([frozen, healthy]));
    const bad = await cli(['devices', 'future', '--after', 'yesterday']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/ISO 8601/);
  });

  it('reset --dry-run shows what would be removed and removes nothing; without --yes on a pipe it refuses', async () => {
    const dry = await cli(['devices', 'reset', frozen, '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.json()).toMatchObject({
      dry_run: true,
      device_id: frozen,
      would_remove: {
        metadata: { last_updated: '9999-12-31T23:59:59.000000Z' },
        indexes: ['T'],
        newest_timestamp: '9999-12-31T23:59:59.000000Z',
      },
    });
    const refused = await cli(['devices', 'reset', frozen]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--yes/);
    expect((await unbounded.getReadings(frozen)).map((r) => r.values)).toEqual([[3]]);
  });

  it('reset --yes removes the device; its next real reading is written again; an unknown device is exit 3', async () => {
    const r = await cli(['devices', 'reset', frozen, '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toEqual({ device_id: frozen, existed: true });
    expect(await unbounded.getDeviceMetadata(frozen)).toBeNull();
    expect(await unbounded.getReadings(frozen)).toEqual([]);
    expect((await unbounded.listDevices({ limit: 1000 })).devices.map((d) => d.device_id)).not.toContain(
      frozen,
    );
    await unbounded.upsertReadings([reading(frozen, '2025-06-25T09:00:00.000000Z', 4)]);
    expect((await unbounded.getReadings(frozen, 'T'))[0]?.values).toEqual([4]);
    // The healthy device was not touched.
    expect((await unbounded.getReadings(healthy, 'T'))[0]?.values).toEqual([1]);
    const gone = await cli(['devices', 'reset', 'never-seen', '--yes']);
    expect(gone.code).toBe(3);
    expect(gone.stderr).toMatch(/not found/);
    expect((await cli(['devices', 'reset', 'never-seen', '--dry-run'])).code).toBe(3);
  });
});

describe('cache-cli devices over http without the admin scope', () => {
  it('is refused by the API (AUTH_002), nothing removed', async () => {
    await unbounded.upsertReadings([reading('kept', '2025-06-25T08:00:00.000000Z', 5)]);
    const r = await runCli(home, [
      '--api-url',
      api.url,
      '--token',
      PLAIN_TOKEN,
      'devices',
      'reset',
      'kept',
      '--yes',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/AUTH_002/);
    expect((await unbounded.getReadings('kept', 'T'))[0]?.values).toEqual([5]);
    const f = await runCli(home, ['--api-url', api.url, '--token', PLAIN_TOKEN, 'devices', 'future']);
    expect(f.code).toBe(1);
    expect(f.stderr).toMatch(/AUTH_002/);
  });
});
