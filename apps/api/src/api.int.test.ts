import { fixtureLines, startRedis } from '@org/cache-testkit';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createBackend } from './bootstrap.js';
import { loadEnv } from './env.js';
import { errorOf } from './test/fixtures.js';
import { httpCaller } from './test/http.js';
import { redisApiHarness } from './test/redis-api.js';
import { serveApp } from './test/serve.js';

const h = redisApiHarness();
const start = h.start;
const prefix = h.prefix;
const readings = () => fixtureLines('validated-output.ndjson').map((l) => JSON.parse(l) as unknown);

describe('every route over a real Redis, auth off', () => {
  it('answers each route as documented', async () => {
    const api = await start();
    const A = { tenant: 'acme' };
    const write = await api.call('POST', '/api/devices/readings', { body: readings() });
    expect(await write.json()).toMatchObject({ written: 8, stale: 1, invalid: 0, devices: 4, errors: [] });

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
    expect((await api.call('POST', '/api/v2/cache/flush', { body: { scope: 'all' } })).status).toBe(200);
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
      ['GET', '/api/devices?cursor=%%%', {}, 400, 'CACHE_007'],
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
    h.track(served);
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
