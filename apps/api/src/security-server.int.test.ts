import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { Writable } from 'node:stream';
import { createCacheClient } from '@org/cache-client';
import type { RedisTransport } from '@org/cache-client/transports';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createApp } from './app.js';
import { bootstrap } from './bootstrap.js';
import { loadEnv } from './env.js';
import { createLogger } from './logger.js';
import { ApiMetrics } from './metrics.js';
import { startApi } from './server.js';
import { errorOf } from './test/fixtures.js';
import { redisApiHarness } from './test/redis-api.js';

/** Security cases of issue 10 (observability, connections, error answers): each failed on the code before it. */
const h = redisApiHarness();

/** A pino logger whose lines are kept, parsed. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: pino({ level: 'info' }, stream) };
}

describe('bounded observability', () => {
  it('20,000 random tenants leave /metrics bounded and never name a tenant outside METRICS_TENANTS', async () => {
    const client = createCacheClient({ transport: 'redis', url: h.redisUrl(), keyPrefix: h.prefix() });
    const app = createApp({
      client,
      limits: { rateLimit: null },
      metrics: new ApiMetrics({ tenants: ['acme'] }),
    });
    const get = async (tenant: string) =>
      app.request('/api/v1/cache/k', { headers: { 'x-tenant-id': tenant } });
    const metricsLines = async () => (await (await app.request('/metrics')).text()).split('\n').length;
    await get('acme');
    await get('first-random');
    await metricsLines(); // the /metrics route's own series appear after its first answer
    const before = await metricsLines();
    const tenants = Array.from({ length: 20_000 }, () => `t-${randomBytes(6).toString('hex')}`);
    for (let i = 0; i < tenants.length; i += 200)
      await Promise.all(tenants.slice(i, i + 200).map((t) => get(t).then((r) => expect(r.status).toBe(404))));
    const text = await (await app.request('/metrics')).text();
    expect(text.split('\n').length).toBeLessThanOrEqual(before + 5);
    expect(text).toContain('cache_api_lookups_total{tenant="acme",result="miss"} 1');
    expect(text).toContain('cache_api_lookups_total{tenant="other",result="miss"} 20001');
    expect(text).not.toMatch(/tenant="t-/);
    expect(text).not.toContain('first-random');
    await client.close();
  });

  it('a client that disconnects mid-upload is one info line "client closed", not a backend error', async () => {
    const { lines, logger } = capturingLogger();
    const metrics = new ApiMetrics();
    const api = await h.start({ logger, metrics });
    const { port } = new URL(api.url);
    const ABORTS = 50;
    for (let i = 0; i < ABORTS; i++) {
      const socket = net.connect(Number(port), '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(
        'PUT /api/v2/cache/upload HTTP/1.1\r\nHost: x\r\nX-Tenant-ID: acme\r\n' +
          'Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"value":"abc',
      );
      await new Promise((resolve) => setTimeout(resolve, 10));
      socket.destroy();
    }
    const closedLines = () => lines.filter((l) => l.msg === 'client closed');
    for (let i = 0; i < 100 && closedLines().length < ABORTS; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(closedLines()).toHaveLength(ABORTS);
    expect(closedLines().every((l) => l.level === 30 && l.status === 499 && l.client_closed === true)).toBe(
      true,
    );
    expect(lines.filter((l) => (l.level as number) >= 40)).toEqual([]);
    const text = await metrics.registry.metrics();
    expect(text).not.toContain('cache_api_backend_errors_total{');
  });
});

describe('connections after a 413', () => {
  it('a real server closes the connection after each 413: 330 interleaved requests on keep-alive, none fails', async () => {
    const env = loadEnv({
      API_HOST: '127.0.0.1',
      API_PORT: '0',
      REDIS_URL: h.redisUrl(),
      KEY_PREFIX: h.prefix(),
      API_MAX_BODY_BYTES: '4096',
      RATE_LIMIT_ENABLED: 'false',
    });
    const api = await startApi(env, createLogger('silent'));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    const big = JSON.stringify({ value: 'x'.repeat(1024 * 1024) });
    const small = JSON.stringify({ value: 'ok' });
    const failures: string[] = [];
    /** Per 413: did the server end that connection? */
    const closed: Promise<boolean>[] = [];
    let tooLarge = 0;
    let stored = 0;
    const put = (body: string) =>
      new Promise<void>((resolve) => {
        const req = http.request(
          `${api.url}/api/v2/cache/k`,
          {
            method: 'PUT',
            agent,
            headers: {
              'content-type': 'application/json',
              'x-tenant-id': 'acme',
              'content-length': body.length,
            },
          },
          (res) => {
            res.resume();
            res.on('end', () => {
              if (res.statusCode === 413) {
                tooLarge++;
                if (res.headers.connection !== 'close') failures.push('413 without Connection: close');
                const socket = res.socket;
                closed.push(
                  new Promise<boolean>((done) => {
                    if (socket.destroyed) done(true);
                    socket.once('close', () => done(true));
                    setTimeout(() => done(false), 2_000);
                  }),
                );
              } else if (res.statusCode! < 300) stored++;
              else failures.push(`status ${res.statusCode}`);
              resolve();
            });
          },
        );
        req.setTimeout(5_000, () => req.destroy(new Error('no answer in 5 s')));
        req.on('error', (error) => {
          failures.push(error.message);
          resolve();
        });
        req.end(body);
      });
    try {
      await Promise.all(
        [0, 1, 2, 3].map(async (w) => {
          for (let i = 0; i < 83; i++) await put((i + w) % 3 === 0 ? big : small);
        }),
      );
      expect(failures).toEqual([]);
      expect(tooLarge + stored).toBe(332);
      expect(tooLarge).toBeGreaterThan(100);
      expect(await Promise.all(closed)).not.toContain(false);
    } finally {
      agent.destroy();
      await api.close();
    }
  });
});

describe('no internal detail in any error answer', () => {
  it('a Redis failure answers "internal error" with the request id, never the Redis or Lua text', async () => {
    const api = await h.start();
    const { redis, keys } = api.client.transport as RedisTransport;
    await redis.set(keys.kvEntry('acme', 'broken'), 'not a hash');
    const read = await api.call('GET', '/api/v2/cache/broken', { tenant: 'acme' });
    expect(read.status).toBe(500);
    const raw = await read.text();
    const error = JSON.parse(raw).error;
    expect(error).toMatchObject({ code: 'CACHE_010', message: 'internal error' });
    expect(error.details.request_id).toBe(read.headers.get('x-request-id'));
    expect(raw).not.toMatch(/WRONGTYPE|Redis|redis|user_script|f_[0-9a-f]{40}|at \w+ \(/);
    // A Lua script failing on a wrong-typed device key (sha and script line in Redis's message).
    await redis.set(keys.deviceMetadata('dev-1'), 'not a hash');
    const write = await api.call('POST', '/api/devices/readings', {
      body: [{ device_id: 'dev-1', index: 'temp', timestamp: new Date().toISOString(), values: { t: 1 } }],
    });
    const text = await write.text();
    expect(write.status, text).toBeGreaterThanOrEqual(400);
    expect(text).not.toMatch(/WRONGTYPE|user_script|f_[0-9a-f]{40}|Redis failed/);
    if (write.status === 500) expect((await errorOf(new Response(text))).message).toBe('internal error');
  });

  it('MAX_FUTURE_SKEW reaches the limits and the client', async () => {
    const env = loadEnv({ MAX_FUTURE_SKEW: '60', REDIS_URL: h.redisUrl(), KEY_PREFIX: h.prefix() });
    const { client } = await bootstrap(env, createLogger('silent'), () => false);
    expect(client.maxFutureSkewMs).toBe(60_000);
    await client.close();
  });
});
