import { describe, expect, it } from 'vitest';
import { errorOf, memoryApp } from '../test/fixtures.js';

describe('generic cache v1', () => {
  it('sets (201, then 200), gets, deletes; the seed example as written', async () => {
    const t = memoryApp();
    const set = await t.call('POST', '/api/v1/cache', {
      tenant: 'acme',
      body: { key: 'user:1', value: { name: 'Ada' }, ttl: 300 },
    });
    expect(set.status).toBe(201);
    expect(set.headers.get('location')).toBe('/api/v1/cache/user%3A1');
    expect(await set.json()).toMatchObject({ key: 'user:1', tenant: 'acme', ttl: 300, version: 1 });
    const get = await t.call('GET', '/api/v1/cache/user:1', { tenant: 'acme' });
    expect(get.status).toBe(200);
    expect(await get.json()).toMatchObject({ key: 'user:1', value: { name: 'Ada' }, version: 1 });
    expect(get.headers.get('cache-control')).toMatch(/^private, max-age=(299|300)$/);
    const replaced = await t.call('POST', '/api/v1/cache', {
      tenant: 'acme',
      body: { key: 'user:1', value: 2 },
    });
    expect(replaced.status).toBe(200);
    expect((await replaced.json()).version).toBe(2);
    const del = await t.call('DELETE', '/api/v1/cache/user:1', { tenant: 'acme' });
    expect(await del.json()).toEqual({ key: 'user:1', deleted: true });
    const gone = await t.call('GET', '/api/v1/cache/user:1', { tenant: 'acme' });
    expect(gone.status).toBe(404);
    expect(await errorOf(gone)).toMatchObject({
      code: 'CACHE_001',
      details: { key: 'user:1', operation: 'get' },
    });
    const again = await t.call('DELETE', '/api/v1/cache/user:1', { tenant: 'acme' });
    expect(again.status).toBe(404);
  });

  it('keeps tenants apart', async () => {
    const t = memoryApp();
    await t.call('POST', '/api/v1/cache', { tenant: 'acme', body: { key: 'k', value: 'acme' } });
    expect((await t.call('GET', '/api/v1/cache/k', { tenant: 'globex' })).status).toBe(404);
    expect((await (await t.call('GET', '/api/v1/cache/k', { tenant: 'acme' })).json()).value).toBe('acme');
  });

  it('needs a valid X-Tenant-ID (400 CACHE_004)', async () => {
    const t = memoryApp();
    for (const tenant of [undefined, '', 'a b', 'x'.repeat(65), '-lead']) {
      const r = await t.call('GET', '/api/v1/cache/k', { tenant });
      expect(r.status, String(tenant)).toBe(400);
      expect((await errorOf(r)).code).toBe('CACHE_004');
    }
  });

  it('answers 304 to If-None-Match and never expiring entries revalidate', async () => {
    const t = memoryApp();
    await t.call('POST', '/api/v1/cache', { tenant: 'acme', body: { key: 'cfg', value: [1, 2], ttl: 0 } });
    const first = await t.call('GET', '/api/v1/cache/cfg', { tenant: 'acme' });
    expect(first.headers.get('cache-control')).toBe('private, no-cache');
    expect(first.headers.get('vary')).toBe('X-Tenant-ID');
    const etag = first.headers.get('etag')!;
    const second = await t.call('GET', '/api/v1/cache/cfg', {
      tenant: 'acme',
      headers: { 'if-none-match': etag },
    });
    expect(second.status).toBe(304);
    await t.call('POST', '/api/v1/cache', { tenant: 'acme', body: { key: 'cfg', value: [3] } });
    const changed = await t.call('GET', '/api/v1/cache/cfg', {
      tenant: 'acme',
      headers: { 'if-none-match': etag },
    });
    expect(changed.status).toBe(200);
  });

  it('invalidates by pattern and clears its own tenant only (403 for another, unless admin)', async () => {
    const t = memoryApp();
    for (const key of ['user:1', 'user:2', 'order:1']) {
      await t.call('POST', '/api/v1/cache', { tenant: 'acme', body: { key, value: 1 } });
    }
    await t.call('POST', '/api/v1/cache', { tenant: 'globex', body: { key: 'user:1', value: 1 } });
    const inv = await t.call('POST', '/api/v1/cache/invalidate', {
      tenant: 'acme',
      body: { pattern: 'user:*' },
    });
    expect(await inv.json()).toEqual({ tenant: 'acme', pattern: 'user:*', deleted: 2 });
    const other = await t.call('DELETE', '/api/v1/cache/tenant/globex', { tenant: 'acme' });
    expect(other.status).toBe(403);
    expect((await errorOf(other)).code).toBe('AUTH_002');
    const own = await t.call('DELETE', '/api/v1/cache/tenant/acme', { tenant: 'acme' });
    expect(await own.json()).toEqual({ tenant: 'acme', deleted: 1 });
    expect((await t.call('GET', '/api/v1/cache/user:1', { tenant: 'globex' })).status).toBe(200);
  });

  it('refuses bad bodies, keys and patterns with 4xx and a code', async () => {
    const t = memoryApp({ limits: { rateLimit: null, maxBodyBytes: 2048 } });
    const cases: [unknown, number, string][] = [
      [{ value: 1 }, 400, 'CACHE_007'],
      [{ key: 'k' }, 400, 'CACHE_007'],
      [{ key: 'k', value: 1, ttl: -1 }, 400, 'CACHE_007'],
      [{ key: 'k', value: 1, ttl: 'soon' }, 400, 'CACHE_007'],
      [{ key: 'k', value: 1, extra: true }, 400, 'CACHE_007'],
      [{ key: '', value: 1 }, 400, 'CACHE_004'],
      [{ key: 'x'.repeat(600), value: 1 }, 400, 'CACHE_004'],
      [{ key: 'a\nb', value: 1 }, 400, 'CACHE_004'],
      [{ key: 'big', value: 'x'.repeat(4000) }, 413, 'CACHE_008'],
    ];
    for (const [body, status, code] of cases) {
      const r = await t.call('POST', '/api/v1/cache', { tenant: 'acme', body });
      expect(r.status, JSON.stringify(body).slice(0, 60)).toBe(status);
      expect((await errorOf(r)).code).toBe(code);
    }
    const notJson = await t.call('POST', '/api/v1/cache', { tenant: 'acme', rawBody: 'key=1' });
    expect((await errorOf(notJson)).code).toBe('CACHE_007');
    const empty = await t.call('POST', '/api/v1/cache', { tenant: 'acme', rawBody: '' });
    expect(empty.status).toBe(400);
    const deep = await t.call('POST', '/api/v1/cache/invalidate', { tenant: 'acme', body: { pattern: '' } });
    expect((await errorOf(deep)).code).toBe('CACHE_004');
    const longKey = await t.call('GET', `/api/v1/cache/${'k'.repeat(513)}`, { tenant: 'acme' });
    expect((await errorOf(longKey)).code).toBe('CACHE_004');
  });

  it('refuses values larger than the configured maximum (413 CACHE_008)', async () => {
    const { createCacheClient } = await import('@org/cache-client');
    const t = memoryApp({ client: createCacheClient({ transport: 'memory', maxValueBytes: 100 }) });
    const r = await t.call('POST', '/api/v1/cache', {
      tenant: 'acme',
      body: { key: 'k', value: 'x'.repeat(200) },
    });
    expect(r.status).toBe(413);
    expect(await errorOf(r)).toMatchObject({ code: 'CACHE_008', details: { key: 'k' } });
  });
});
