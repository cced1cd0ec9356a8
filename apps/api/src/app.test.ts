import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { Authenticator } from './auth/authenticator.js';
import { parseTokenList } from './auth/token-config.js';
import { ApiMetrics } from './metrics.js';
import { errorOf, memoryApp } from './test/fixtures.js';

describe('app: cross-cutting behaviour', () => {
  it('takes or makes X-Request-ID / X-Correlation-ID and echoes them, also on errors', async () => {
    const t = memoryApp();
    const made = await t.call('GET', '/health/live');
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(made.headers.get('x-correlation-id')).toBe(made.headers.get('x-request-id'));
    const taken = await t.call('GET', '/api/devices/nope', {
      headers: { 'x-request-id': 'req-1', 'x-correlation-id': 'corr-9' },
    });
    expect(taken.headers.get('x-request-id')).toBe('req-1');
    expect(taken.headers.get('x-correlation-id')).toBe('corr-9');
    expect((await errorOf(taken)).details.request_id).toBe('req-1');
    const unsafe = await t.call('GET', '/health/live', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(unsafe.headers.get('x-request-id')).not.toBe('bad id with spaces');
  });

  it('answers unknown routes with the envelope (404 CACHE_001)', async () => {
    const t = memoryApp();
    const r = await t.call('GET', '/nope');
    expect(r.status).toBe(404);
    expect((await errorOf(r)).code).toBe('CACHE_001');
  });

  it('limits the body size (413 CACHE_008), also without Content-Length', async () => {
    const t = memoryApp({ limits: { rateLimit: null, maxBodyBytes: 1024 } });
    const r = await t.call('PUT', '/api/v2/cache/k', { tenant: 'a', body: { value: 'x'.repeat(2000) } });
    expect(r.status).toBe(413);
    expect((await errorOf(r)).code).toBe('CACHE_008');
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(JSON.stringify({ value: 'y'.repeat(3000) })));
        controller.close();
      },
    });
    const chunked = await t.app.request('/api/v2/cache/k', {
      method: 'PUT',
      headers: { 'x-tenant-id': 'a', 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it('answers health, liveness and readiness', async () => {
    const t = memoryApp();
    expect(await (await t.call('GET', '/health/live')).json()).toMatchObject({ status: 'alive' });
    expect(await (await t.call('GET', '/health')).json()).toMatchObject({
      status: 'healthy',
      backend: 'memory',
      auth: 'off',
    });
    expect(await (await t.call('GET', '/health/ready')).json()).toMatchObject({ ready: true });
    let draining = false;
    const d = memoryApp({ isDraining: () => draining });
    draining = true;
    expect((await d.call('GET', '/health/ready')).status).toBe(503);
  });

  it('serves OpenAPI 3.1 generated from the schemas, and Swagger UI', async () => {
    const t = memoryApp();
    const doc = await (await t.call('GET', '/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    for (const path of [
      '/api/devices',
      '/api/devices/{device_id}',
      '/api/devices/{device_id}/readings/{index}',
      '/api/v1/cache',
      '/api/v1/cache/tenant/{tenant_id}',
      '/api/v2/cache/{key}',
      '/api/v2/cache/pattern/{pattern}',
      '/metrics',
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect(doc.components.schemas.DeviceMetadata.properties.datatype_id).toEqual({ type: 'string' });
    expect(doc.components.schemas.V1SetRequest.required).toEqual(expect.arrayContaining(['key', 'value']));
    const refs = JSON.stringify(doc).match(/#\/components\/schemas\/\w+/g) ?? [];
    for (const ref of refs) expect(doc.components.schemas[ref.split('/').pop()!], ref).toBeDefined();
    const docs = await t.call('GET', '/docs');
    expect(docs.headers.get('content-type')).toContain('text/html');
    // The page's own files and the document it loads: src/routes/docs-page.test.ts.
    expect(await docs.text()).toContain('/docs/swagger-ui-bundle.js');
  });

  it('exports Prometheus metrics by route pattern, status, tenant hits and misses', async () => {
    const t = memoryApp({ metrics: new ApiMetrics({ tenants: ['acme'] }) });
    await t.call('PUT', '/api/v2/cache/k', { tenant: 'acme', body: { value: 1 } });
    await t.call('GET', '/api/v2/cache/k', { tenant: 'acme' });
    await t.call('GET', '/api/v2/cache/nope', { tenant: 'acme' });
    await t.call('GET', '/api/devices/nope');
    const text = await (await t.call('GET', '/metrics')).text();
    expect(text).toContain(
      'cache_api_requests_total{method="GET",route="/api/v2/cache/:key",status="200"} 1',
    );
    expect(text).toContain(
      'cache_api_requests_total{method="GET",route="/api/devices/:device_id",status="404"} 1',
    );
    expect(text).toContain('cache_api_lookups_total{tenant="acme",result="hit"} 1');
    expect(text).toContain('cache_api_lookups_total{tenant="acme",result="miss"} 1');
    expect(text).toContain('cache_api_lookups_total{tenant="devices",result="miss"} 1');
    expect(text).toContain('cache_api_request_duration_seconds_bucket');
    expect(text).not.toContain('/api/v2/cache/k"');
  });

  it('adds CORS headers for the configured origins and answers preflights', async () => {
    const t = memoryApp({ corsOrigins: ['https://dash.example'] });
    const pre = await t.call('OPTIONS', '/api/devices', {
      headers: { origin: 'https://dash.example', 'access-control-request-method': 'GET' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://dash.example');
    const get = await t.call('GET', '/api/devices', { headers: { origin: 'https://dash.example' } });
    expect(get.headers.get('access-control-allow-origin')).toBe('https://dash.example');
    expect(get.headers.get('access-control-expose-headers')).toContain('ETag');
    expect(get.headers.get('x-request-id')).toBeTruthy();
    const other = await t.call('GET', '/api/devices', { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('logs one JSON line per request with ids and the route pattern, never a token, key or value', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    const token = 'tok-SECRET-0123456789abcdef';
    const t = memoryApp({
      logger: pino({ level: 'info' }, sink),
      auth: await Authenticator.create({ tokens: parseTokenList(`svc-a:${token}`) }),
    });
    await t.call('PUT', '/api/v2/cache/secret-key-name', {
      tenant: 'acme',
      token,
      body: { value: 'secret-value' },
    });
    await t.call('GET', '/api/v2/cache/secret-key-name', {
      tenant: 'acme',
      token,
      headers: { 'x-request-id': 'r-42' },
    });
    await t.call('GET', '/api/devices', { token: 'wrong-token-0123456789' });
    const text = lines.join('\n');
    for (const secret of [token, 'secret-key-name', 'secret-value', 'wrong-token'])
      expect(text).not.toContain(secret);
    const get = lines.map((l) => JSON.parse(l)).find((l) => l.request_id === 'r-42');
    expect(get).toMatchObject({
      msg: 'request',
      method: 'GET',
      route: '/api/v2/cache/:key',
      status: 200,
      principal: 'svc-a',
      tenant: 'acme',
    });
    expect(lines.map((l) => JSON.parse(l).status)).toEqual([201, 200, 401]);
  });
});
