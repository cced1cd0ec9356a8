/**
 * The route-side cases of issue 10, one test each, against the app over a real Redis. Each failed
 * on the code before the route table (a 500, a silent write, or a wipe of every tenant).
 */
import { readFileSync } from 'node:fs';
import type { RedisTransport } from '@org/cache-client/transports';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Authenticator } from './auth/authenticator.js';
import { parseTokenList } from './auth/token-config.js';
import { demoDataPath } from './demo-data.js';
import { errorOf } from './test/fixtures.js';
import { redisApiHarness } from './test/redis-api.js';

const h = redisApiHarness();
const A = { tenant: 'acme' };

const good = (device_id: string, timestamp = '2025-06-25T08:57:34.618082') => {
  const [line] = readFileSync(demoDataPath()!, 'utf8').split('\n');
  return { ...(JSON.parse(line!) as Record<string, unknown>), device_id, timestamp };
};

/** JSON text of `[[[...1...]]]`, `depth` levels deep (JSON.stringify cannot build it: too deep). */
const nestedJson = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
/** A JSON array of items, given as JSON texts. */
const batchJson = (items: string[]) => `[${items.join(',')}]`;
/** A reading as JSON text, with its `values` as the given JSON text. */
const withValuesJson = (reading: Record<string, unknown>, values: string) =>
  JSON.stringify({ ...reading, values: '@VALUES@' }).replace('"@VALUES@"', values);

/** No Lua sha, script line, Redis reply or JS stack in a message meant for the caller. */
function expectNoInternals(message: string): void {
  expect(message).not.toMatch(/sha|script|@user_|lua|ERR |WRONGTYPE|stack|at .+\.js|unpack/i);
}

const TOKENS = {
  full: 'full-token-0123456789abcdef',
  cacheWriter: 'cache-writer-0123456789abcd',
  tenantDevices: 'tenant-devices-0123456789ab',
  flusher: 'tenant-flusher-0123456789ab',
  deviceAdmin: 'device-admin-0123456789abcd',
};

async function withTokens() {
  const tokens = parseTokenList(
    JSON.stringify([
      { service_id: 'full', token: TOKENS.full },
      { service_id: 'cache-writer', token: TOKENS.cacheWriter, scopes: ['cache:read', 'cache:write'] },
      {
        service_id: 'tenant-devices',
        token: TOKENS.tenantDevices,
        scopes: ['cache:read', 'cache:write', 'devices:write', 'devices:admin'],
        tenants: ['acme'],
      },
      {
        service_id: 'flusher',
        token: TOKENS.flusher,
        scopes: ['cache:flush', 'cache:read'],
        tenants: ['acme'],
      },
      { service_id: 'device-admin', token: TOKENS.deviceAdmin, scopes: ['cache:read', 'devices:admin'] },
    ]),
  );
  return h.start({ auth: await Authenticator.create({ tokens }) });
}

describe('every client mistake is a 4xx without internal detail', () => {
  it('refuses an invalid glob (`[z-a]`) with 400 CACHE_004 on every route that takes one', async () => {
    const api = await h.start();
    await api.call('POST', '/api/devices/readings', { body: [good('dev-1')] });
    await api.call('PUT', '/api/v2/cache/k', { ...A, body: { value: 1 } });
    for (const [method, path, body] of [
      ['GET', '/api/devices?pattern=%5Bz-a%5D', undefined],
      ['GET', '/api/v2/cache/pattern/%5Bz-a%5D', undefined],
      ['POST', '/api/v1/cache/invalidate', { pattern: '[z-a]' }],
    ] as const) {
      const r = await api.call(method, path, { ...A, body });
      expect(r.status, `${method} ${path}`).toBe(400);
      const error = await errorOf(r);
      expect(error.code).toBe('CACHE_004');
      expectNoInternals(error.message);
    }
  });

  it('refuses a malformed key-listing cursor with 400', async () => {
    const api = await h.start();
    await api.call('PUT', '/api/v2/cache/k', { ...A, body: { value: 1 } });
    for (const cursor of ['abc', '-1', '1e3', '99999999999999999999999']) {
      const r = await api.call('GET', `/api/v2/cache/pattern/*?cursor=${cursor}`, A);
      expect(r.status, cursor).toBe(400);
      expectNoInternals((await errorOf(r)).message);
    }
  });

  it('refuses device metadata with 5,000 extra keys (413/400) and stores nothing', async () => {
    const api = await h.start();
    const additional_properties = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`k${i}`, i]));
    const r = await api.call('PUT', '/api/devices/dev-meta/metadata', {
      body: { datatype_id: 'a', datatype_name: 'b', additional_properties },
    });
    expect([400, 413]).toContain(r.status);
    const error = await errorOf(r);
    expect(['CACHE_007', 'CACHE_008']).toContain(error.code);
    expectNoInternals(error.message);
    expect((await api.call('GET', '/api/devices/dev-meta')).status).toBe(404);
  });

  it('refuses readings whose values nest 9,000 deep with 400', async () => {
    const api = await h.start();
    const r = await api.call('POST', '/api/devices/readings', {
      rawBody: batchJson([withValuesJson(good('dev-deep'), `[${nestedJson(9_000)}]`)]),
    });
    expect(r.status).toBe(400);
    const error = await errorOf(r);
    expect(error.code).toBe('CACHE_007');
    expectNoInternals(error.message);
    expect((await api.call('GET', '/api/devices/dev-deep')).status).toBe(404);
  });

  it('answers [good, bad, good] per item, writes both good ones, and the index agrees with the state', async () => {
    const api = await h.start();
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const bads: [string, string][] = [
      ['dev-bad-deep', withValuesJson(good('dev-bad-deep'), `[${nestedJson(9_000)}]`)],
      ['dev-bad-future', JSON.stringify(good('dev-bad-future', future))],
      ['..', JSON.stringify(good('..'))],
      [
        'dev-bad-meta',
        JSON.stringify({
          ...good('dev-bad-meta'),
          metadata: { datatype_id: 'a', datatype_name: 'b', ...manyKeys(5_000) },
        }),
      ],
    ];
    for (const [n, [badId, bad]] of bads.entries()) {
      const batch = [JSON.stringify(good(`dev-a${n}`)), bad, JSON.stringify(good(`dev-b${n}`))];
      const r = await api.call('POST', '/api/devices/readings', { rawBody: batchJson(batch) });
      expect(r.status).toBe(200);
      const body = await r.json();
      expect(body).toMatchObject({ written: 2, invalid: 1 });
      expect(body.errors).toHaveLength(1);
      expect(body.errors[0]).toMatchObject({ position: 1, device_id: badId });
      expect(['CACHE_004', 'CACHE_007', 'CACHE_008']).toContain(body.errors[0].code);
      expect(typeof body.errors[0].reason).toBe('string');
      expectNoInternals(body.errors[0].message);
    }
    const listed = (await (await api.call('GET', '/api/devices?limit=1000')).json()).devices.map(
      (d: { device_id: string }) => d.device_id,
    );
    expect(listed.sort()).toEqual([
      'dev-a0',
      'dev-a1',
      'dev-a2',
      'dev-a3',
      'dev-b0',
      'dev-b1',
      'dev-b2',
      'dev-b3',
    ]);
    for (const id of listed) expect((await api.call('GET', `/api/devices/${id}`)).status, id).toBe(200);
  });
});

const manyKeys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`x${i}`, i]));

describe('data rules', () => {
  it('rounds a sub-second TTL up: the answer has an expiry, and the key is gone after it', async () => {
    const api = await h.start();
    const put = await api.call('PUT', '/api/v2/cache/short', { ...A, body: { value: 1, ttl: 0.0004 } });
    expect(put.status).toBe(201);
    const { metadata } = await put.json();
    expect(metadata.expires_at).not.toBeNull();
    const expiresAt = Date.parse(metadata.expires_at);
    // What Redis holds: the entry's own expiry, in ms since the epoch.
    const transport = api.client.transport as RedisTransport;
    const held = await transport.redis.pexpiretime(transport.keys.kvEntry('acme', 'short'));
    expect(held).toBeGreaterThan(0);
    expect(Math.abs(held - expiresAt)).toBeLessThan(5);
    expect(expiresAt).toBeGreaterThan(Date.now() - 1_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 1_500);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt - Date.now()) + 200));
    expect((await api.call('GET', '/api/v2/cache/short', A)).status).toBe(404);
  });

  it('reads and deletes, through the same version, every key that version accepted for writing', async () => {
    const api = await h.start();
    const keys = fc.oneof(
      fc.constantFrom(
        '.',
        '..',
        'a/b',
        '%',
        '%2F',
        'a?b=c',
        '#frag',
        'ünï😀',
        ' spaced ',
        'x.',
        '...',
        'a//b',
      ),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
      fc.string({
        unit: fc.constantFrom('.', '/', '%', '?', '#', 'a', '\\', '*'),
        minLength: 1,
        maxLength: 6,
      }),
    );
    await fc.assert(
      fc.asyncProperty(keys, async (key) => {
        const path = encodeURIComponent(key);
        const v1 = await api.call('POST', '/api/v1/cache', { ...A, body: { key, value: key } });
        if (v1.status < 300) {
          const read = await api.call('GET', `/api/v1/cache/${path}`, A);
          expect(read.status, `v1 read ${JSON.stringify(key)}`).toBe(200);
          expect((await read.json()).value).toBe(key);
          expect((await api.call('DELETE', `/api/v1/cache/${path}`, A)).status).toBe(200);
        } else {
          expect(v1.status).toBe(400);
        }
        const v2 = await api.call('PUT', `/api/v2/cache/${path}`, { ...A, body: { value: key } });
        if (v2.status < 300) {
          const shadowed = key === 'stats' || key === 'health';
          const read = shadowed
            ? await api.call('POST', '/api/v2/cache/batch', { ...A, body: { operation: 'get', keys: [key] } })
            : await api.call('GET', `/api/v2/cache/${path}`, A);
          expect(read.status, `v2 read ${JSON.stringify(key)}`).toBe(200);
          expect((await api.call('DELETE', `/api/v2/cache/${path}`, A)).status).toBe(200);
        } else {
          expect([400, 404]).toContain(v2.status);
        }
      }),
      { numRuns: 300 },
    );
    const dot = await api.call('POST', '/api/v1/cache', { ...A, body: { key: '..', value: 1 } });
    expect(dot.status).toBe(400);
    expect((await errorOf(dot)).code).toBe('CACHE_004');
  });

  it('needs devices:write for device writes (cache:write is not enough)', async () => {
    const api = await withTokens();
    const cases = [
      ['PUT', '/api/devices/dev-w/metadata', { datatype_id: 'a', datatype_name: 'b' }],
      ['POST', '/api/devices/readings', [good('dev-w')]],
    ] as const;
    for (const [method, path, body] of cases) {
      const refused = await api.call(method, path, { token: TOKENS.cacheWriter, body });
      expect(refused.status, `${method} ${path}`).toBe(403);
      expect((await errorOf(refused)).details.scope).toBe('devices:write');
      expect((await api.call(method, path, { token: TOKENS.full, body })).status).toBe(200);
    }
  });

  it('never lets a tenant-restricted token write or repair device state', async () => {
    const api = await withTokens();
    const t = { token: TOKENS.tenantDevices, tenant: 'acme' };
    const writes = [
      ['PUT', '/api/devices/dev-t/metadata', { datatype_id: 'a', datatype_name: 'b' }],
      ['POST', '/api/devices/readings', [good('dev-t')]],
      ['POST', '/api/admin/devices/dev-t/reset', undefined],
      ['GET', '/api/admin/devices/future', undefined],
    ] as const;
    for (const [method, path, body] of writes) {
      expect((await api.call(method, path, { ...t, body })).status, `${method} ${path}`).toBe(403);
    }
    expect((await api.call('GET', '/api/devices/dev-t', t)).status).toBe(404);
  });

  it("flushes the caller's tenant by default; everything only on {scope: all} by an unrestricted token", async () => {
    const api = await withTokens();
    const full = { token: TOKENS.full };
    await api.call('POST', '/api/devices/readings', { ...full, body: [good('dev-f')] });
    for (const tenant of ['acme', 'globex']) {
      await api.call('PUT', '/api/v2/cache/k', { ...full, tenant, body: { value: tenant } });
    }
    const noTenant = await api.call('POST', '/api/v2/cache/flush', full);
    expect(noTenant.status).toBe(400);
    const emptyBody = await api.call('POST', '/api/v2/cache/flush', { ...full, tenant: 'acme' });
    expect((await emptyBody.json()).data).toMatchObject({ scope: 'tenant', tenant: 'acme', deleted: 1 });
    expect((await api.call('GET', '/api/v2/cache/k', { ...full, tenant: 'globex' })).status).toBe(200);
    expect((await api.call('GET', '/api/devices/dev-f', full)).status).toBe(200);

    const restricted = { token: TOKENS.flusher, tenant: 'acme', body: { scope: 'all' } };
    expect((await api.call('POST', '/api/v2/cache/flush', restricted)).status).toBe(403);
    const bad = await api.call('POST', '/api/v2/cache/flush', { ...full, body: { scope: 'everything' } });
    expect(bad.status).toBe(400);
    expect((await api.call('GET', '/api/v2/cache/k', { ...full, tenant: 'globex' })).status).toBe(200);

    const all = await api.call('POST', '/api/v2/cache/flush', { ...full, body: { scope: 'all' } });
    expect((await all.json()).data).toMatchObject({ scope: 'all' });
    expect((await api.call('GET', '/api/v2/cache/k', { ...full, tenant: 'globex' })).status).toBe(404);
    expect((await api.call('GET', '/api/devices/dev-f', full)).status).toBe(404);
  });

  it('serves the admin routes under devices:admin: reset a device, list devices stamped in the future', async () => {
    const api = await withTokens();
    const admin = { token: TOKENS.deviceAdmin };
    const { client } = api;
    await client.upsertReadings([]);
    await api.call('POST', '/api/devices/readings', { token: TOKENS.full, body: [good('dev-r')] });
    expect(
      (await api.call('POST', '/api/admin/devices/dev-r/reset', { token: TOKENS.cacheWriter })).status,
    ).toBe(403);
    const reset = await api.call('POST', '/api/admin/devices/dev-r/reset', admin);
    expect(reset.status).toBe(200);
    expect(await reset.json()).toEqual({ device_id: 'dev-r', existed: true });
    expect((await api.call('GET', '/api/devices/dev-r', admin)).status).toBe(404);
    const again = await api.call('POST', '/api/admin/devices/dev-r/reset', admin);
    expect(await again.json()).toEqual({ device_id: 'dev-r', existed: false });

    const future = await api.call('GET', '/api/admin/devices/future?limit=10', admin);
    expect(future.status).toBe(200);
    expect(await future.json()).toEqual({ devices: [], next_cursor: null });
    const badAfter = await api.call('GET', '/api/admin/devices/future?after=tomorrow', admin);
    expect(badAfter.status).toBe(400);
  });
});
