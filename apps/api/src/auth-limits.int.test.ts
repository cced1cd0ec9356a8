import { createCacheClient } from '@org/cache-client';
import type { RedisTransport } from '@org/cache-client/transports';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Authenticator } from './auth/authenticator.js';
import { parseTokenList } from './auth/token-config.js';
import { RedisRateLimiter } from './limits/redis-rate-limiter.js';
import { errorOf } from './test/fixtures.js';
import { httpCaller } from './test/http.js';
import { redisApiHarness } from './test/redis-api.js';
import { serveApp } from './test/serve.js';

const h = redisApiHarness();
const start = h.start;
const prefix = h.prefix;

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
      return new RedisRateLimiter(transport.redis, transport.keys, policy);
    };
    const clientA = createCacheClient({ transport: 'redis', url: h.redisUrl(), keyPrefix });
    const clientB = createCacheClient({ transport: 'redis', url: h.redisUrl(), keyPrefix });
    const a = await serveApp({ client: clientA, rateLimiter: limiterFor(clientA) });
    const b = await serveApp({ client: clientB, rateLimiter: limiterFor(clientB) });
    h.track(a);
    h.track(b);
    const callA = httpCaller(a.url);
    const callB = httpCaller(b.url);
    for (let i = 0; i < 6; i++)
      expect((await callA('GET', '/api/v1/cache/k', { tenant: 'shared' })).status).toBe(404);
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
    // Auth is off: the budget is the client address's, whatever X-Tenant-ID says.
    expect((await callB('GET', '/api/v1/cache/k', { tenant: 'other' })).status).toBe(429);
  });

  it('picks the Redis limiter by default on a Redis client', async () => {
    const api = await start({ limits: { rateLimit: { requests: 2, windowSeconds: 60 } } });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await api.call('GET', '/api/devices', {})).status);
    expect(statuses).toEqual([200, 200, 429]);
    const keys = await (api.client.transport as RedisTransport).redis.keys('*ratelimit*');
    expect(keys.length).toBeGreaterThan(0);
  });

  it('decides most hits locally from leases (no round trip), and never admits past the limit', async () => {
    const client = createCacheClient({ transport: 'redis', url: h.redisUrl(), keyPrefix: prefix() });
    const transport = client.transport as RedisTransport;
    const big = new RedisRateLimiter(transport.redis, transport.keys, {
      requests: 1_000_000,
      windowSeconds: 60,
    });
    let roundTrips = 0;
    for (let i = 0; i < 5_000; i++) {
      const d = big.hit('svc:hot');
      if (d instanceof Promise) {
        roundTrips++;
        expect((await d).allowed).toBe(true);
      } else expect(d.allowed).toBe(true);
      if (i % 500 === 0) await new Promise((r) => setTimeout(r, 5)); // background leases land
    }
    expect(roundTrips).toBeLessThanOrEqual(10);
    const small = new RedisRateLimiter(transport.redis, transport.keys, { requests: 50, windowSeconds: 60 });
    const decisions = await Promise.all(Array.from({ length: 120 }, () => small.hit('svc:small')));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(50);
    const refused = decisions.find((d) => !d.allowed)!;
    expect(refused.retryAfterSeconds).toBeGreaterThan(0);
    await client.close();
  });

  it('property: any interleaving of hits over 1-4 instances admits at most the limit', async () => {
    const keyPrefix = prefix();
    const clients = Array.from({ length: 4 }, () =>
      createCacheClient({ transport: 'redis', url: h.redisUrl(), keyPrefix }),
    );
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 60 }),
          fc.array(fc.nat({ max: 3 }), { maxLength: 150 }),
          fc.integer({ min: 1, max: 4 }),
          async (limit, hitsOn, instances) => {
            const subject = `svc:prop-${run++}`;
            const limiters = clients.slice(0, instances).map((c) => {
              const t = c.transport as RedisTransport;
              return new RedisRateLimiter(t.redis, t.keys, { requests: limit, windowSeconds: 3600 });
            });
            const decisions = await Promise.all(hitsOn.map((i) => limiters[i % instances]!.hit(subject)));
            const admitted = decisions.filter((d) => d.allowed).length;
            expect(admitted).toBeLessThanOrEqual(limit);
            // Leases may leave a few hits unused, never more than one small lease per instance.
            const slack = instances * Math.ceil(limit / 20);
            expect(admitted).toBeGreaterThanOrEqual(Math.min(hitsOn.length, limit) - slack);
            for (const d of decisions) if (!d.allowed) expect(d.retryAfterSeconds).toBeGreaterThan(0);
          },
        ),
        { numRuns: 150 },
      );
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });
});
