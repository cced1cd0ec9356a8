import { describe, expect, it } from 'vitest';
import { errorOf, memoryApp } from '../test/fixtures.js';

const A = { tenant: 'acme' };

describe('generic cache v2 (interface-control document)', () => {
  it('PUT, GET and DELETE with the {status, data, metadata} envelope', async () => {
    const t = memoryApp();
    const put = await t.call('PUT', '/api/v2/cache/session%2F42', {
      ...A,
      body: { value: { user: 'ada' }, ttl: 60 },
    });
    expect(put.status).toBe(201);
    expect(await put.json()).toMatchObject({
      status: 'success',
      key: 'session/42',
      data: null,
      metadata: { version: 1, ttl: 60, created_at: expect.any(String), expires_at: expect.any(String) },
    });
    const get = await t.call('GET', '/api/v2/cache/session%2F42', A);
    expect(await get.json()).toMatchObject({
      status: 'success',
      key: 'session/42',
      data: { user: 'ada' },
      metadata: { version: 1 },
    });
    const put2 = await t.call('PUT', '/api/v2/cache/session%2F42', { ...A, body: { value: null } });
    expect(put2.status).toBe(200);
    expect((await (await t.call('GET', '/api/v2/cache/session%2F42', A)).json()).data).toBeNull();
    const del = await t.call('DELETE', '/api/v2/cache/session%2F42', A);
    expect(await del.json()).toMatchObject({ status: 'success', data: { deleted: true } });
    const miss = await t.call('GET', '/api/v2/cache/session%2F42', A);
    expect(miss.status).toBe(404);
    expect(await errorOf(miss)).toMatchObject({
      code: 'CACHE_001',
      details: { key: 'session/42', operation: 'get', timestamp: expect.any(String) },
    });
  });

  it('gets, sets and deletes many in one batch', async () => {
    const t = memoryApp();
    const set = await t.call('POST', '/api/v2/cache/batch', {
      ...A,
      body: {
        operation: 'set',
        items: [
          { key: 'a', value: 1 },
          { key: 'b', value: [2], ttl: 5 },
        ],
      },
    });
    expect(await set.json()).toMatchObject({ status: 'success', metadata: { operation: 'set', count: 2 } });
    const get = await t.call('POST', '/api/v2/cache/batch', {
      ...A,
      body: { operation: 'get', keys: ['a', 'x', 'b'] },
    });
    const body = await get.json();
    expect(body.data.items).toEqual([
      expect.objectContaining({ key: 'a', found: true, data: 1 }),
      { key: 'x', found: false },
      expect.objectContaining({
        key: 'b',
        found: true,
        data: [2],
        metadata: expect.objectContaining({ ttl: 5 }),
      }),
    ]);
    expect(body.metadata).toEqual({ operation: 'get', count: 3, found: 2 });
    const del = await t.call('POST', '/api/v2/cache/batch', {
      ...A,
      body: { operation: 'delete', keys: ['a', 'b', 'x'] },
    });
    expect((await del.json()).data).toEqual({ deleted: 2 });
  });

  it('refuses bad batches: unknown operation, empty, too many (413), bad keys', async () => {
    const t = memoryApp({ limits: { rateLimit: null, maxBatch: 2 } });
    const cases: [unknown, number, string][] = [
      [{ operation: 'merge', keys: ['a'] }, 400, 'CACHE_007'],
      [{ operation: 'get', keys: [] }, 400, 'CACHE_007'],
      [{ operation: 'get' }, 400, 'CACHE_007'],
      [{ operation: 'set', items: [{ key: 'a' }] }, 400, 'CACHE_007'],
      [{ operation: 'get', keys: ['a', 'b', 'c'] }, 413, 'CACHE_008'],
      [{ operation: 'get', keys: ['ok', ''] }, 400, 'CACHE_004'],
      [{ operation: 'delete', keys: ['x'.repeat(513)] }, 400, 'CACHE_004'],
    ];
    for (const [body, status, code] of cases) {
      const r = await t.call('POST', '/api/v2/cache/batch', { ...A, body });
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect((await errorOf(r)).code).toBe(code);
    }
  });

  it('lists keys by pattern, a page at a time', async () => {
    const t = memoryApp();
    for (const key of ['user:1', 'user:2', 'user:3', 'order:1'])
      await t.call('PUT', `/api/v2/cache/${key}`, { ...A, body: { value: 1 } });
    const first = await (await t.call('GET', '/api/v2/cache/pattern/user:*?limit=2', A)).json();
    expect(first.data.keys).toEqual(['user:1', 'user:2']);
    expect(first.metadata).toEqual({ pattern: 'user:*', count: 2 });
    const next = await (
      await t.call('GET', `/api/v2/cache/pattern/user:*?limit=2&cursor=${first.data.next_cursor}`, A)
    ).json();
    expect(next.data).toEqual({ keys: ['user:3'], next_cursor: null });
    const bad = await t.call('GET', '/api/v2/cache/pattern/*?limit=0', A);
    expect((await errorOf(bad)).code).toBe('CACHE_007');
    const other = await t.call('GET', '/api/v2/cache/nothing/here', A);
    expect(other.status).toBe(404);
  });

  it('answers stats, health, flush and reload', async () => {
    const t = memoryApp();
    await t.call('PUT', '/api/v2/cache/k', { ...A, body: { value: 1 } });
    await t.call('GET', '/api/v2/cache/k', A);
    await t.call('GET', '/api/v2/cache/missing', A);
    const stats = await (await t.call('GET', '/api/v2/cache/stats', A)).json();
    expect(stats).toMatchObject({
      status: 'success',
      data: { tenant: 'acme', keys: 1, hits: 1, misses: 1, hit_rate: 0.5 },
    });
    const health = await t.call('GET', '/api/v2/cache/health');
    expect(health.status).toBe(200);
    expect((await health.json()).data).toMatchObject({ status: 'healthy', backend: 'memory', auth: 'off' });
    const reload = await t.call('POST', '/api/v2/cache/reload');
    expect(await reload.json()).toMatchObject({
      status: 'success',
      data: { enabled: false, static_tokens: 0 },
    });
    await t.call('PUT', '/api/v2/cache/k', { tenant: 'globex', body: { value: 2 } });
    const flush = await t.call('POST', '/api/v2/cache/flush', A);
    expect(await flush.json()).toMatchObject({
      status: 'success',
      data: { flushed: true, scope: 'tenant', tenant: 'acme', deleted: 1 },
    });
    expect((await t.call('GET', '/api/v2/cache/k', A)).status).toBe(404);
    expect((await t.call('GET', '/api/v2/cache/k', { tenant: 'globex' })).status).toBe(200);
    const all = await t.call('POST', '/api/v2/cache/flush', { body: { scope: 'all' } });
    expect(await all.json()).toMatchObject({ status: 'success', data: { flushed: true, scope: 'all' } });
    expect((await t.call('GET', '/api/v2/cache/k', { tenant: 'globex' })).status).toBe(404);
  });

  it('reads keys named like fixed routes through the batch route', async () => {
    const t = memoryApp();
    await t.call('PUT', '/api/v2/cache/stats', { ...A, body: { value: 'a key named stats' } });
    const r = await t.call('POST', '/api/v2/cache/batch', {
      ...A,
      body: { operation: 'get', keys: ['stats'] },
    });
    expect((await r.json()).data.items[0]).toMatchObject({ key: 'stats', data: 'a key named stats' });
  });

  it('answers 304 on an unchanged entry and sets Cache-Control from the remaining TTL', async () => {
    const t = memoryApp();
    await t.call('PUT', '/api/v2/cache/k', { ...A, body: { value: 'v', ttl: 120 } });
    const first = await t.call('GET', '/api/v2/cache/k', A);
    expect(first.headers.get('cache-control')).toMatch(/^private, max-age=1(19|20)$/);
    const second = await t.call('GET', '/api/v2/cache/k', {
      ...A,
      headers: { 'if-none-match': `"x", ${first.headers.get('etag')}` },
    });
    expect(second.status).toBe(304);
  });

  it('refuses bad PUT bodies', async () => {
    const t = memoryApp();
    for (const body of [{}, { value: 1, ttl: -3 }, { value: 1, key: 'k' }, [1]]) {
      const r = await t.call('PUT', '/api/v2/cache/k', { ...A, body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect((await errorOf(r)).code).toBe('CACHE_007');
    }
  });
});
