import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidKeyError, RateLimitError } from '@org/cache-core';
import { afterEach, describe, expect, it } from 'vitest';
import { createCacheClient } from '../create-client.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A scripted HTTP server: each request gets the next answer of the script (the last one repeats). */
async function scripted(answers: ((res: ServerResponse, seen: Seen) => void)[]) {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      const s = { method: req.method!, url: req.url!, headers: req.headers, body };
      seen.push(s);
      answers[Math.min(seen.length - 1, answers.length - 1)]!(res, s);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  (res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
const envelope = (code: string, message: string, details: Record<string, unknown> = {}) => ({
  error: { code, message, details: { timestamp: new Date().toISOString(), ...details } },
});
const metadata = {
  device_id: 'gw/01',
  datatype_id: 'd',
  datatype_name: 'n',
  datatype_unit: null,
  persist: true,
  last_updated: 'x',
  additional_properties: {},
};

describe('http transport', () => {
  it('sends the bearer token and tenant, and encodes ids as one path segment', async () => {
    const api = await scripted([
      json(200, metadata),
      json(200, { status: 'success', data: { tenant: 'acme', keys: 0, hits: 0, misses: 0, hit_rate: 0 } }),
    ]);
    const client = createCacheClient({
      transport: 'http',
      baseUrl: `${api.url}/`,
      token: 'secret-token',
      tenant: 'acme',
    });
    expect(await client.getDeviceMetadata('gw/01')).toEqual(metadata);
    await client.stats();
    expect(api.seen[0]).toMatchObject({ method: 'GET', url: '/api/devices/gw%2F01' });
    expect(api.seen[0]!.headers.authorization).toBe('Bearer secret-token');
    expect(api.seen[1]!.headers['x-tenant-id']).toBe('acme');
  });

  it('turns a 404 CACHE_001 into null, and a 404 without the envelope into an error', async () => {
    const api = await scripted([
      json(404, envelope('CACHE_001', 'device x not found', { key: 'x', operation: 'getDeviceMetadata' })),
      json(404, { message: 'no such route' }),
    ]);
    const client = createCacheClient({ transport: 'http', baseUrl: api.url, retries: 0 });
    expect(await client.getDeviceMetadata('x')).toBeNull();
    await expect(client.getDeviceMetadata('x')).rejects.toMatchObject({ code: 'CACHE_001' });
  });

  it('rebuilds typed errors from the envelope', async () => {
    const api = await scripted([json(400, envelope('CACHE_004', 'key is too long', { key: 'k' }))]);
    const client = createCacheClient({ transport: 'http', baseUrl: api.url });
    const error = await client.get('k').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidKeyError);
    expect(error).toMatchObject({ code: 'CACHE_004', message: 'key is too long', details: { key: 'k' } });
    expect(api.seen).toHaveLength(1); // a 400 is never retried
  });

  it('retries idempotent calls on 503 with backoff, but never a batch set', async () => {
    const api = await scripted([
      json(503, envelope('CACHE_006', 'Redis is unavailable')),
      json(503, envelope('CACHE_006', 'Redis is unavailable')),
      json(200, { devices: [], next_cursor: null }),
    ]);
    const client = createCacheClient({
      transport: 'http',
      baseUrl: api.url,
      retries: 2,
      retryBaseDelayMs: 5,
    });
    expect(await client.listDevices()).toEqual({ devices: [], next_cursor: null });
    expect(api.seen).toHaveLength(3);

    const once503 = await scripted([json(503, envelope('CACHE_006', 'Redis is unavailable'))]);
    const writer = createCacheClient({
      transport: 'http',
      baseUrl: once503.url,
      retries: 3,
      retryBaseDelayMs: 5,
    });
    await expect(
      writer.setMany([
        { key: 'a', value: 1 },
        { key: 'b', value: 2 },
      ]),
    ).rejects.toMatchObject({ code: 'CACHE_006' });
    expect(once503.seen).toHaveLength(1);
  });

  it('waits a short Retry-After on 429, and gives up at once on a long one', async () => {
    const api = await scripted([
      json(429, envelope('CACHE_009', 'rate limit exceeded'), { 'retry-after': '1' }),
      json(200, { status: 'success', data: { tenant: 't', keys: 1, hits: 0, misses: 0, hit_rate: 0 } }),
    ]);
    const client = createCacheClient({ transport: 'http', baseUrl: api.url, tenant: 't' });
    const started = Date.now();
    expect((await client.stats()).keys).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    const slow = await scripted([
      json(429, envelope('CACHE_009', 'rate limit exceeded'), { 'retry-after': '30' }),
    ]);
    const error = await createCacheClient({ transport: 'http', baseUrl: slow.url })
      .stats()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterSeconds).toBe(30);
  });

  it('times out with CACHE_005 and reports an unreachable API as CACHE_006 / unhealthy', async () => {
    const hang = await scripted([() => {}]);
    const client = createCacheClient({
      transport: 'http',
      baseUrl: hang.url,
      timeoutMs: 100,
      retries: 1,
      retryBaseDelayMs: 5,
    });
    await expect(client.getDeviceMetadata('x')).rejects.toMatchObject({ code: 'CACHE_005', retriable: true });
    expect(hang.seen).toHaveLength(2);
    const gone = createCacheClient({ transport: 'http', baseUrl: 'http://127.0.0.1:1', retries: 0 });
    await expect(gone.listDevices()).rejects.toMatchObject({ code: 'CACHE_006' });
    expect((await gone.checkHealth()).status).toBe('unhealthy');
  });

  it('reads the API health body also when it answers 503', async () => {
    const api = await scripted([
      json(503, {
        status: 'unhealthy',
        message: 'Redis connection is reconnecting',
        timestamp: 't',
        backend: 'redis',
      }),
    ]);
    const health = await createCacheClient({ transport: 'http', baseUrl: api.url }).checkHealth();
    expect(health).toMatchObject({ status: 'unhealthy', backend: 'redis' });
  });

  it('refuses keys "." and ".." before sending, and sends shadowed keys through the batch route', async () => {
    const api = await scripted([
      json(200, { status: 'success', data: { items: [{ key: 'stats', found: false }] }, metadata: {} }),
      json(200, { status: 'success', data: { keys: [], next_cursor: null }, metadata: {} }),
    ]);
    const client = createCacheClient({ transport: 'http', baseUrl: api.url, tenant: 't' });
    for (const key of ['.', '..']) {
      await expect(client.get(key)).rejects.toMatchObject({ code: 'CACHE_004' });
      await expect(client.set(key, 1)).rejects.toMatchObject({ code: 'CACHE_004' });
      await expect(client.delete(key)).rejects.toMatchObject({ code: 'CACHE_004' });
    }
    expect(await client.get('stats')).toBeNull();
    await client.listKeys('..');
    expect(api.seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'POST /api/v2/cache/batch',
      `GET /api/v2/cache/pattern/${encodeURIComponent('\\.\\.')}?limit=100`,
    ]);
    expect(JSON.parse(api.seen[0]!.body)).toEqual({ operation: 'get', keys: ['stats'] });
  });
});
