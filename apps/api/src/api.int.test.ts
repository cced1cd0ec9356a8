import type { RedisTransport } from '@org/cache-client';
import { createCacheClient } from '@org/cache-client';
import { fixtureLines, type RedisServer, startRedis } from '@org/cache-testkit';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Authenticator } from './auth/authenticator.js';
import { parseTokenList } from './auth/token-config.js';
import { createBackend } from './bootstrap.js';
import { loadEnv } from './env.js';
import { RedisRateLimiter } from './limits/redis-rate-limiter.js';
import { errorOf } from './test/fixtures.js';
import { httpCaller } from './test/http.js';
import { type ServedApp, serveApp } from './test/serve.js';

let redis: RedisServer;
let n = 0;
const prefix = () => `api-int-${process.pid}-${n++}:`;
const servers: ServedApp[] = [];
const readings = () => fixtureLines('validated-output.ndjson').map((l) => JSON.parse(l) as unknown);

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await redis?.stop();
});

async function start(
  options: Parameters<typeof serveApp>[0] extends infer O ? Partial<O> : never = {},
  keyPrefix = prefix(),
) {
  const client = createCacheClient({ transport: 'redis', url: redis.url, keyPrefix });
  const served = await serveApp({ limits: { rateLimit: null }, ...options, client } as Parameters<
    typeof serveApp
  >[0]);
  servers.push(served);
  return { ...served, call: httpCaller(served.url), client };
}

describe('every route over a real Redis, auth off', () => {
  it('answers each route as documented', async () => {
    const api = await start();
    const A = { tenant: 'acme' };
    const write = await api.call('POST', '/api/devices/readings', { body: readings() });
    expect(await write.json()).toEqual({ written: 8, stale: 1, invalid: 0, devices: 4, errors: [] });

    const list = await (await api.call('GET', '/api/devices?limit=3')).json();
    expect(list.devices.map((d: { device_id: string }) => d.device_id)).toEqual([
      '2207001',
      '282c02424eed',
      'gw-lyon-01/port-3',
    ]);
    expect(
      (await (await api.call('GET', `/api/devices?cursor=${list.next_cursor}`)).json()).devices,
    ).toHaveLength(1);
    expect((await api.call('GET', '/api/devices/gw-lyon-01%2Fport-3')).status).toBe(200);
    expect(
      (await (await api.call('GET', '/api/devices/282c02424eed/readings')).json()).readings,
    ).toHaveLength(3);
    expect((await (await api.call('GET', '/api/devices/282c02424eed/readings/T')).json()).values).toEqual([
      21.4,
    ]);
    expect((await (await api.call('GET', '/api/devices/282c02424eed/indexes')).json()).indexes).toEqual([
      'P',
      'T',
      'U',
    ]);
    const batch = await (
      await api.call('POST', '/api/devices/batch', { body: { device_ids: ['2207001', 'x'] } })
    ).json();
    expect(batch).toMatchObject({ found: 1, not_found: ['x'] });
    const meta = await api.call('PUT', '/api/devices/new-1/metadata', {
      body: { datatype_id: 'd', datatype_name: 'n' },
    });
    expect((await meta.json()).device_id).toBe('new-1');
    expect(await (await api.call('GET', '/api/stats')).json()).toMatchObject({
      total_devices: 5,
      backend: 'redis',
    });

    expect(
      (
        await api.call('POST', '/api/v1/cache', {
          ...A,
          body: { key: 'user:1', value: { name: 'Ada' }, ttl: 300 },
        })
      ).status,
    ).toBe(201);
    expect((await (await api.call('GET', '/api/v1/cache/user:1', A)).json()).value).toEqual({ name: 'Ada' });
    expect((await api.call('DELETE', '/api/v1/cache/user:1', A)).status).toBe(200);
    await api.call('POST', '/api/v1/cache', { ...A, body: { key: 'tmp:1', value: 1 } });
    expect(
      (
        await (
          await api.call('POST', '/api/v1/cache/invalidate', { ...A, body: { pattern: 'tmp:*' } })
        ).json()
      ).deleted,
    ).toBe(1);
    await api.call('POST', '/api/v1/cache', { ...A, body: { key: 'x', value: 1 } });
    expect((await (await api.call('DELETE', '/api/v1/cache/tenant/acme', A)).json()).deleted).toBe(1);

    expect(
      (await api.call('PUT', '/api/v2/cache/k%2F1', { ...A, body: { value: [1], ttl: 30 } })).status,
    ).toBe(201);
    expect((await (await api.call('GET', '/api/v2/cache/k%2F1', A)).json()).data).toEqual([1]);
    const many = await api.call('POST', '/api/v2/cache/batch', {
      ...A,
      body: { operation: 'get', keys: ['k/1', 'nope'] },
    });
    expect((await many.json()).metadata).toMatchObject({ found: 1 });
    expect((await (await api.call('GET', '/api/v2/cache/pattern/k*', A)).json()).data.keys).toEqual(['k/1']);
    expect((await (await api.call('GET', '/api/v2/cache/stats', A)).json()).data).toMatchObject({
      keys: 1,
      hits: 3,
      misses: 1,
    });
    expect((await api.call('DELETE', '/api/v2/cache/k%2F1', A)).status).toBe(200);
    expect((await (await api.call('GET', '/api/v2/cache/health')).json()).data.status).toBe('healthy');
    expect((await api.call('POST', '/api/v2/cache/reload')).status).toBe(200);
    expect((await api.call('GET', '/health')).status).toBe(200);
    expect((await api.call('GET', '/health/live')).status).toBe(200);
    expect((await api.call('GET', '/health/ready')).status).toBe(200);
    expect((await api.call('GET', '/metrics')).status).toBe(200);
    expect((await api.call('GET', '/openapi.json')).status).toBe(200);
    expect((await api.call('GET', '/docs')).status).toBe(200);
    expect((await api.call('POST', '/api/v2/cache/flush')).status).toBe(200);
    expect((await (await api.call('GET', '/api/stats')).json()).total_devices).toBe(0);
  });

  it('answers 304 on device and cache reads', async () => {
    const api = await start();
    await api.call('POST', '/api/devices/readings', { body: readings() });
    await api.call('PUT', '/api/v2/cache/k', { tenant: 't', body: { value: 'v', ttl: 100 } });
    for (const [path, tenant] of [
      ['/api/devices/282c02424eed', undefined],
      ['/api/devices/282c02424eed/readings', undefined],
      ['/api/v1/cache/k', 't'],
      ['/api/v2/cache/k', 't'],
    ] as const) {
      const first = await api.call('GET', path, { tenant });
      expect(first.status, path).toBe(200);
      const again = await api.call('GET', path, {
        tenant,
        headers: { 'if-none-match': first.headers.get('etag')! },
      });
      expect(again.status, path).toBe(304);
    }
    // A newer reading changes the ETag.
    const before = (await api.call('GET', '/api/devices/282c02424eed/readings')).headers.get('etag')!;
    const newer = { ...(readings()[0] as object), timestamp: '2025-06-26T00:00:00Z', values: [22] };
    await api.call('POST', '/api/devices/readings', { body: [newer] });
    const after = await api.call('GET', '/api/devices/282c02424eed/readings', {
      headers: { 'if-none-match': before },
    });
    expect(after.status).toBe(200);
  });

  it('answers bad input of every kind with a 4xx and an error code, never a 5xx', async () => {
    const api = await start({ limits: { rateLimit: null, maxBodyBytes: 64 * 1024, maxBatch: 10 } });
    const A = { tenant: 'acme' };
    const cases: [string, string, Parameters<typeof api.call>[2], number, string][] = [
      ['GET', '/api/devices?limit=5000', {}, 400, 'CACHE_007'],
      ['GET', '/api/devices?cursor=%%%', {}, 400, 'CACHE_004'],
      ['GET', '/api/devices?sort=random', {}, 400, 'CACHE_007'],
      ['GET', `/api/devices/${'d'.repeat(257)}`, {}, 400, 'CACHE_004'],
      ['GET', '/api/devices/a%0Ab', {}, 400, 'CACHE_004'],
      ['GET', '/api/devices/ok/readings/%09', {}, 400, 'CACHE_004'],
      ['POST', '/api/devices/batch', { rawBody: 'nope' }, 400, 'CACHE_007'],
      ['POST', '/api/devices/batch', { body: { device_ids: Array(11).fill('d') } }, 413, 'CACHE_008'],
      ['POST', '/api/devices/readings', { body: [{ device_id: 'x' }] }, 400, 'CACHE_007'],
      ['POST', '/api/devices/readings', { body: 'x'.repeat(70 * 1024) }, 413, 'CACHE_008'],
      ['PUT', '/api/devices/x/metadata', { body: { datatype_id: 1 } }, 400, 'CACHE_007'],
      ['GET', '/api/v1/cache/k', {}, 400, 'CACHE_004'],
      ['GET', '/api/v1/cache/k', { tenant: 'bad tenant' }, 400, 'CACHE_004'],
      ['GET', `/api/v1/cache/${'k'.repeat(600)}`, A, 400, 'CACHE_004'],
      ['POST', '/api/v1/cache', { ...A, body: { key: 'k' } }, 400, 'CACHE_007'],
      ['POST', '/api/v1/cache', { ...A, body: { key: 'k\u0000', value: 1 } }, 400, 'CACHE_004'],
      ['POST', '/api/v1/cache', { ...A, rawBody: '{"key":"k","value":' }, 400, 'CACHE_007'],
      ['POST', '/api/v1/cache', { ...A, rawBody: '['.repeat(5000) + ']'.repeat(5000) }, 400, 'CACHE_007'],
      ['POST', '/api/v1/cache/invalidate', { ...A, body: { pattern: 'p'.repeat(600) } }, 400, 'CACHE_004'],
      ['DELETE', '/api/v1/cache/tenant/bad%20tenant', A, 400, 'CACHE_004'],
      ['PUT', '/api/v2/cache/k', { ...A, body: { value: 1, ttl: 'x' } }, 400, 'CACHE_007'],
      [
        'POST',
        '/api/v2/cache/batch',
        { ...A, body: { operation: 'get', keys: Array(11).fill('k') } },
        413,
        'CACHE_008',
      ],
      ['POST', '/api/v2/cache/batch', { ...A, body: { operation: 'nuke' } }, 400, 'CACHE_007'],
      ['GET', '/api/v2/cache/pattern/*?limit=-1', A, 400, 'CACHE_007'],
      ['GET', '/api/v2/cache/pattern/*?cursor=', A, 400, 'CACHE_007'],
      ['GET', '/api/nothing', {}, 404, 'CACHE_001'],
    ];
    for (const [method, path, options, status, code] of cases) {
      const r = await api.call(method, path, options);
      const label = `${method} ${path.slice(0, 60)}`;
      expect(r.status, label).toBe(status);
      expect((await errorOf(r)).code, label).toBe(code);
    }
  });

  it('answers 503 on readiness and data routes when Redis is unreachable; liveness stays up', async () => {
    const own = await startRedis();
    const env = loadEnv({ REDIS_URL: own.url, REDIS_COMMAND_TIMEOUT_MS: '500', KEY_PREFIX: prefix() });
    const { client } = createBackend(env, pino({ level: 'silent' }));
    const served = await serveApp({ client, limits: { rateLimit: null } });
    servers.push(served);
    const call = httpCaller(served.url);
    expect((await call('GET', '/health/ready')).status).toBe(200);
    await own.stop();
    const ready = await call('GET', '/health/ready');
    expect(ready.status).toBe(503);
    expect((await ready.json()).status).toBe('unhealthy');
    expect((await call('GET', '/health')).status).toBe(503);
    const read = await call('GET', '/api/devices/x');
    expect([503, 504]).toContain(read.status);
    expect(['CACHE_006', 'CACHE_005']).toContain((await errorOf(read)).code);
    expect((await call('GET', '/health/live')).status).toBe(200);
    const metrics = await (await call('GET', '/metrics')).text();
    expect(metrics).toMatch(
      /cache_api_backend_errors_total\{code="CACHE_00[56]",operation="getDeviceMetadata"\} 1/,
    );
  });
});

describe('auth on, over a real Redis', () => {
  const READ = 'read-only-token-0123456789';
  const FULL = 'full-token-0123456789abcd';

  it('refuses missing credentials, missing scopes and foreign tenants on every protected route', async () => {
    const tokens = parseTokenList(
      JSON.stringify([
        { service_id: 'reader', token: READ, scopes: ['cache:read'], tenants: ['acme'] },
        { service_id: 'full', token: FULL },
      ]),
    );
    const api = await start({ auth: await Authenticator.create({ tokens }) });
    const routes: [string, string, unknown?][] = [
      ['GET', '/api/devices'],
      ['GET', '/api/devices/x'],
      ['GET', '/api/devices/x/readings'],
      ['GET', '/api/devices/x/readings/T'],
      ['GET', '/api/devices/x/indexes'],
      ['POST', '/api/devices/batch', { device_ids: ['x'] }],
      ['PUT', '/api/devices/x/metadata', { datatype_id: 'a', datatype_name: 'b' }],
      ['POST', '/api/devices/readings', []],
      ['GET', '/api/stats'],
      ['GET', '/api/v1/cache/k'],
      ['POST', '/api/v1/cache', { key: 'k', value: 1 }],
      ['DELETE', '/api/v1/cache/k'],
      ['POST', '/api/v1/cache/invalidate', { pattern: '*' }],
      ['DELETE', '/api/v1/cache/tenant/acme'],
      ['GET', '/api/v2/cache/k'],
      ['PUT', '/api/v2/cache/k', { value: 1 }],
      ['DELETE', '/api/v2/cache/k'],
      ['POST', '/api/v2/cache/batch', { operation: 'get', keys: ['k'] }],
      ['GET', '/api/v2/cache/pattern/*'],
      ['POST', '/api/v2/cache/flush'],
      ['GET', '/api/v2/cache/stats'],
      ['POST', '/api/v2/cache/reload'],
      ['GET', '/api/v2/cache/health'],
      ['GET', '/health'],
      ['GET', '/health/ready'],
      ['GET', '/metrics'],
      ['GET', '/openapi.json'],
      ['GET', '/docs'],
    ];
    for (const [method, path, body] of routes) {
      const r = await api.call(method, path, { tenant: 'acme', body });
      expect(r.status, `${method} ${path}`).toBe(401);
      expect((await errorOf(r)).code).toBe('AUTH_001');
    }
    expect((await api.call('GET', '/health/live')).status).toBe(200);
    const writes: [string, string, unknown?][] = routes.filter(
      ([m, p]) => m !== 'GET' && !p.includes('batch'),
    );
    for (const [method, path, body] of writes) {
      const r = await api.call(method, path, { tenant: 'acme', token: READ, body });
      expect(r.status, `${method} ${path}`).toBe(403);
      expect((await errorOf(r)).code).toBe('AUTH_002');
    }
    const foreign = await api.call('GET', '/api/v1/cache/k', { tenant: 'globex', token: READ });
    expect(foreign.status).toBe(403);
    expect((await api.call('GET', '/api/v1/cache/k', { tenant: 'acme', token: READ })).status).toBe(404);
    expect(
      (await api.call('PUT', '/api/v2/cache/k', { tenant: 'globex', token: FULL, body: { value: 1 } }))
        .status,
    ).toBe(201);
    expect((await api.call('GET', '/metrics', { token: FULL })).status).toBe(200);
  });
});

describe('rate limits over Redis', () => {
  it('share the count between two API instances and answer 429 with Retry-After', async () => {
    const keyPrefix = prefix();
    const policy = { requests: 10, windowSeconds: 60 };
    const limiterFor = (client: ReturnType<typeof createCacheClient>) => {
      const transport = client.transport as RedisTransport;
      return new RedisRateLimiter(transport.redis, transport.keys, policy, { syncMs: 20 });
    };
    const clientA = createCacheClient({ transport: 'redis', url: redis.url, keyPrefix });
    const clientB = createCacheClient({ transport: 'redis', url: redis.url, keyPrefix });
    const a = await serveApp({ client: clientA, rateLimiter: limiterFor(clientA) });
    const b = await serveApp({ client: clientB, rateLimiter: limiterFor(clientB) });
    servers.push(a, b);
    const callA = httpCaller(a.url);
    const callB = httpCaller(b.url);
    for (let i = 0; i < 6; i++)
      expect((await callA('GET', '/api/v1/cache/k', { tenant: 'shared' })).status).toBe(404);
    await new Promise((r) => setTimeout(r, 150)); // A's hits reach Redis
    const statuses: number[] = [];
    let limited: Response | null = null;
    for (let i = 0; i < 6; i++) {
      const r = await callB('GET', '/api/v1/cache/k', { tenant: 'shared' });
      statuses.push(r.status);
      if (r.status === 429) limited = r;
    }
    expect(statuses).toEqual([404, 404, 404, 404, 429, 429]);
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited!.headers.get('ratelimit-remaining')).toBe('0');
    expect((await errorOf(limited!)).code).toBe('CACHE_009');
    // Another tenant has its own budget.
    expect((await callB('GET', '/api/v1/cache/k', { tenant: 'other' })).status).toBe(404);
  });

  it('picks the Redis limiter by default on a Redis client', async () => {
    const api = await start({ limits: { rateLimit: { requests: 2, windowSeconds: 60 } } });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await api.call('GET', '/api/devices', {})).status);
    expect(statuses).toEqual([200, 200, 429]);
    const keys = await (api.client.transport as RedisTransport).redis.keys('*ratelimit*');
    expect(keys.length).toBeGreaterThan(0);
  });
});
