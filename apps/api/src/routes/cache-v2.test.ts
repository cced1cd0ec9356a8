import { randomBytes } from 'node:crypto';
import { createCacheClient } from '@org/cache-client';
import { installValueCodec } from '@org/cache-client/value-codec';
import { attachCachePolicy, CachePolicySource, parseKeyRing } from '@org/cache-core';
import fc from 'fast-check';
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

describe('v2 writes: the cache_request envelope, options, cache types, CACHE_002', () => {
  const big = {
    readings: Array.from({ length: 100 }, (_, i) => ({ id: `sensor-${i}`, t: 21.5, unit: '°C' })),
  };
  const codecApp = (keys: boolean) => {
    const client = createCacheClient({ transport: 'memory' });
    installValueCodec(client.transport, {
      keyRing: keys ? parseKeyRing(`k1:${randomBytes(32).toString('base64')}`) : null,
    });
    return memoryApp({ client });
  };

  it('accepts the document envelope on PUT and batch, and answers the options applied', async () => {
    const t = codecApp(true);
    const put = await t.call('PUT', '/api/v2/cache/cfg', {
      ...A,
      body: { cache_request: { key: 'cfg', value: big, ttl: 60, options: { compression: true } } },
    });
    expect(put.status).toBe(201);
    const { metadata } = await put.json();
    expect(metadata).toMatchObject({
      ttl: 60,
      options: { compression: 'zstd', encryption: 'none', consistency: 'eventual' },
    });
    expect(metadata.options.stored_bytes).toBeLessThan(metadata.options.value_bytes / 4);
    expect((await (await t.call('GET', '/api/v2/cache/cfg', A)).json()).data).toEqual(big);
    const batch = await t.call('POST', '/api/v2/cache/batch', {
      ...A,
      body: {
        operation: 'set',
        items: [
          { cache_request: { key: 'a', value: 1, options: { consistency: 'strong' } } },
          { key: 'b', value: big, options: { compression: false } },
        ],
      },
    });
    const items = (await batch.json()).data.items;
    expect(items[0].metadata.options).toMatchObject({
      consistency: 'strong',
      replication: { replicas: 0, waited: false },
    });
    expect(items[1].metadata.options).toMatchObject({ compression: 'none' });
    const mismatch = await t.call('PUT', '/api/v2/cache/cfg', {
      ...A,
      body: { cache_request: { key: 'other', value: 1 } },
    });
    expect(mismatch.status).toBe(400);
    expect(await errorOf(mismatch)).toMatchObject({ code: 'CACHE_007' });
  });

  it('encrypts when asked and a key is configured; refuses (400, nothing written) without one', async () => {
    const t = codecApp(true);
    const put = await t.call('PUT', '/api/v2/cache/pay', {
      ...A,
      body: { value: { card: '4111' }, options: { encryption: true } },
    });
    expect((await put.json()).metadata.options).toMatchObject({ encryption: 'aes-256-gcm', key_id: 'k1' });
    expect((await (await t.call('GET', '/api/v2/cache/pay', A)).json()).data).toEqual({ card: '4111' });
    const plain = codecApp(false);
    for (const app of [plain, memoryApp()]) {
      const refused = await app.call('PUT', '/api/v2/cache/pay', {
        ...A,
        body: { cache_request: { value: { card: '4111' }, options: { encryption: true } } },
      });
      expect(refused.status).toBe(400);
      expect(await errorOf(refused)).toMatchObject({
        code: 'CACHE_007',
        details: { reason: 'encryption_not_configured' },
      });
      expect((await app.call('GET', '/api/v2/cache/pay', A)).status).toBe(404);
    }
  });

  it('answers CACHE_002 for a key read after it expired, CACHE_001 for one that never was', async () => {
    const t = codecApp(false);
    await t.call('PUT', '/api/v2/cache/short', { ...A, body: { value: 1, ttl: 1 } });
    await new Promise((r) => setTimeout(r, 1100));
    const expired = await t.call('GET', '/api/v2/cache/short', A);
    expect(expired.status).toBe(404);
    expect(await errorOf(expired)).toMatchObject({ code: 'CACHE_002', details: { key: 'short' } });
    expect(await errorOf(await t.call('GET', '/api/v2/cache/never', A))).toMatchObject({ code: 'CACHE_001' });
    const batch = await (
      await t.call('POST', '/api/v2/cache/batch', {
        ...A,
        body: { operation: 'get', keys: ['short', 'never'] },
      })
    ).json();
    expect(batch.data.items).toEqual([
      { key: 'short', found: false, expired: true },
      { key: 'never', found: false },
    ]);
  });

  it("gives a write its cache type's defaults (by name or key prefix) and reloads the policy", async () => {
    let text = JSON.stringify({
      services: {
        acme: { cache_types: { session: { ttl: 1800, consistency: 'strong', key_prefixes: ['session:'] } } },
      },
    });
    const t = codecApp(true);
    attachCachePolicy(t.client.transport, await CachePolicySource.open(async () => text));
    const byPrefix = (
      await (await t.call('PUT', '/api/v2/cache/session:1', { ...A, body: { value: 1 } })).json()
    ).metadata;
    expect(byPrefix).toMatchObject({ ttl: 1800, options: { cache_type: 'session', consistency: 'strong' } });
    const explicit = (
      await (
        await t.call('PUT', '/api/v2/cache/session:2', {
          ...A,
          body: { value: 1, ttl: 5, options: { consistency: 'eventual' } },
        })
      ).json()
    ).metadata;
    expect(explicit).toMatchObject({ ttl: 5, options: { cache_type: 'session', consistency: 'eventual' } });
    const named = (
      await (
        await t.call('PUT', '/api/v2/cache/x', {
          ...A,
          body: { value: 1, options: { cache_type: 'session' } },
        })
      ).json()
    ).metadata;
    expect(named).toMatchObject({ ttl: 1800, options: { cache_type: 'session' } });
    const unknown = await t.call('PUT', '/api/v2/cache/x', {
      ...A,
      body: { value: 1, options: { cache_type: 'nope' } },
    });
    expect(await errorOf(unknown)).toMatchObject({
      code: 'CACHE_007',
      details: { reason: 'unknown_cache_type' },
    });
    text = JSON.stringify({
      services: {
        acme: { cache_types: { session: { ttl: 60, encryption: true, key_prefixes: ['session:'] } } },
      },
    });
    expect((await (await t.call('POST', '/api/v2/cache/reload')).json()).data).toMatchObject({
      cache_types: { acme: 1 },
    });
    const after = (
      await (await t.call('PUT', '/api/v2/cache/session:3', { ...A, body: { value: 1 } })).json()
    ).metadata;
    expect(after).toMatchObject({ ttl: 60, options: { encryption: 'aes-256-gcm' } });
    text = '{"services": {"acme": {"cache_types": {"session": {"ttl": -1}}}}}';
    const bad = await t.call('POST', '/api/v2/cache/reload');
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).message).toMatch(/previous settings stay/);
    expect(
      (await (await t.call('PUT', '/api/v2/cache/session:4', { ...A, body: { value: 1 } })).json()).metadata
        .ttl,
    ).toBe(60);
  });

  it('hostile write bodies are a 4xx, never a 500', async () => {
    const t = codecApp(false);
    const option = fc.oneof(
      fc.jsonValue(),
      fc.record(
        { consistency: fc.string(), compression: fc.jsonValue(), cache_type: fc.string() },
        { requiredKeys: [] },
      ),
    );
    const body = fc.oneof(
      fc.jsonValue(),
      fc.record({ value: fc.jsonValue(), ttl: fc.jsonValue(), options: option }, { requiredKeys: [] }),
      fc.record({
        cache_request: fc.oneof(
          fc.jsonValue(),
          fc.record(
            { key: fc.jsonValue(), value: fc.jsonValue(), ttl: fc.jsonValue(), options: option },
            { requiredKeys: [] },
          ),
        ),
      }),
    );
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const r = await t.call('PUT', '/api/v2/cache/k', { ...A, body: b });
        expect(
          r.status === 200 || r.status === 201 || (r.status >= 400 && r.status < 500),
          JSON.stringify(b),
        ).toBe(true);
        const batch = await t.call('POST', '/api/v2/cache/batch', {
          ...A,
          body: { operation: 'set', items: [b] },
        });
        expect(batch.status === 200 || (batch.status >= 400 && batch.status < 500)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
