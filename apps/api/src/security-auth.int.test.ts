import http from 'node:http';
import { type CacheClient, createCacheClient } from '@org/cache-client';
import type { RedisTransport } from '@org/cache-client/transports';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { Authenticator } from './auth/authenticator.js';
import { parseTokenList } from './auth/token-config.js';
import { authFailureGuard } from './limits/auth-failures.js';
import { DEFAULT_LIMITS } from './limits/limits.js';
import { RedisRateLimiter } from './limits/redis-rate-limiter.js';
import { errorOf } from './test/fixtures.js';
import { httpCaller } from './test/http.js';
import { redisApiHarness } from './test/redis-api.js';
import { serveApp } from './test/serve.js';

/** Security cases of issue 10 (claims, failed authentications, limits): each failed on the code before it. */
const h = redisApiHarness();
const SECRET = 'an-hs256-secret-of-at-least-32-bytes!!';
const key = new TextEncoder().encode(SECRET);
const now = () => Math.floor(Date.now() / 1000);

const jwt = (claims: Record<string, unknown>) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(key);

const redisClient = (keyPrefix = h.prefix()) =>
  createCacheClient({ transport: 'redis', url: h.redisUrl(), keyPrefix });

describe('JWT claims are validated, not guessed', () => {
  it('a malformed tenants claim is a 401, never an unrestricted token; exp, lifetime, iat and nbf are checked', async () => {
    const api = await h.start({ auth: await Authenticator.create({ jwt: { secret: SECRET } }) });
    const good = { service_id: 'dash', scopes: ['cache:read', 'cache:write'], iat: now(), exp: now() + 600 };
    const victim = await jwt({ ...good, service_id: 'victim' }); // unrestricted: writes the victim's key
    expect(
      (await api.call('PUT', '/api/v2/cache/secret', { token: victim, tenant: 'victim', body: { value: 1 } }))
        .status,
    ).toBe(201);
    // One tenant as a plain string: that tenant, and only it.
    const single = await jwt({ ...good, tenants: 'acme' });
    expect((await api.call('GET', '/api/v2/cache/k', { token: single, tenant: 'acme' })).status).toBe(404);
    expect((await api.call('GET', '/api/v2/cache/secret', { token: single, tenant: 'victim' })).status).toBe(
      403,
    );
    const refused: Record<string, unknown>[] = [
      { ...good, tenants: null },
      { ...good, tenants: { acme: true } },
      { ...good, tenants: 7 },
      { ...good, tenants: [7] },
      { ...good, tenants: ['bad tenant!'] },
      { ...good, tenant: ['acme', {}] },
      { ...good, tenant: null },
      { ...good, scopes: 'cache:read', scope: 7 },
      { ...good, scopes: { 'cache:read': true } },
      { service_id: 'dash', scopes: ['cache:read'], iat: now() }, // no exp
      { ...good, exp: 1e308 },
      { ...good, exp: now() + 30 * 86_400 },
      { ...good, iat: now() + 3_600 },
      { ...good, nbf: now() + 3_600 },
    ];
    for (const claims of refused) {
      const r = await api.call('GET', '/api/v2/cache/secret', { token: await jwt(claims), tenant: 'victim' });
      expect(r.status, JSON.stringify(claims)).toBe(401);
      expect((await errorOf(r)).code).toBe('AUTH_001');
    }
  });
});

describe('failed authentications are rate-limited per client address', () => {
  it('answers 429 with Retry-After past the limit, then refuses that address without verifying', async () => {
    const keyPrefix = h.prefix();
    const client = redisClient(keyPrefix);
    const TOKEN = 'valid-token-0123456789abc';
    const auth = await Authenticator.create({
      tokens: parseTokenList(`svc:${TOKEN}`),
      failures: authFailureGuard(client, {
        ...DEFAULT_LIMITS,
        authFailureLimit: { requests: 5, windowSeconds: 60 },
      }),
    });
    const served = await serveApp({ client, auth, limits: { rateLimit: null } });
    h.track(served);
    const call = httpCaller(served.url);
    const statuses: number[] = [];
    let limited: Response | null = null;
    for (let i = 0; i < 40; i++) {
      const r = await call('GET', '/api/devices', { token: `wrong-token-${i}-0123456789` });
      statuses.push(r.status);
      if (r.status === 429) limited ??= r;
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual(Array(35).fill(429));
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await errorOf(limited!)).code).toBe('CACHE_009');
    // A right token from the blocked address is not even verified (no oracle for guessing).
    expect((await call('GET', '/api/devices', { token: TOKEN })).status).toBe(429);
    // The count lives in Redis: another instance on the same Redis refuses the address too.
    const other = redisClient(keyPrefix);
    const otherServed = await serveApp({
      client: other,
      limits: { rateLimit: null },
      auth: await Authenticator.create({
        tokens: parseTokenList(`svc:${TOKEN}`),
        failures: authFailureGuard(other, {
          ...DEFAULT_LIMITS,
          authFailureLimit: { requests: 5, windowSeconds: 60 },
        }),
      }),
    });
    h.track(otherServed);
    const otherCall = httpCaller(otherServed.url);
    expect((await otherCall('GET', '/api/devices', { token: 'another-wrong-token-0123' })).status).toBe(429);
    const keys = await (client.transport as RedisTransport).redis.keys('*authfail*');
    expect(keys.length).toBeGreaterThan(0);
  });
});

/** Sends `total` GETs with `concurrency` keep-alive connections; answers the statuses. */
async function hammer(
  url: string,
  total: number,
  concurrency: number,
  headers: (i: number) => Record<string, string>,
) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const statuses: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      statuses.push(
        await new Promise<number>((resolve, reject) => {
          const req = http.get(`${url}/api/v1/cache/k`, { agent, headers: headers(i) }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode!));
          });
          req.on('error', reject);
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return statuses;
}

describe('limits that hold', () => {
  it('two instances sharing a limit of 200 on one Redis admit at most 210 when hammered together', async () => {
    const keyPrefix = h.prefix();
    const policy = { requests: 200, windowSeconds: 60 };
    const instance = async () => {
      const client: CacheClient = createCacheClient({ transport: 'redis', url: h.redisUrl(), keyPrefix });
      const transport = client.transport as RedisTransport;
      const served = await serveApp({
        client,
        rateLimiter: new RedisRateLimiter(transport.redis, transport.keys, policy),
      });
      h.track(served);
      return served;
    };
    const [a, b] = await Promise.all([instance(), instance()]);
    const headers = () => ({ 'x-tenant-id': 'shared' });
    const [sa, sb] = await Promise.all([hammer(a.url, 500, 16, headers), hammer(b.url, 500, 16, headers)]);
    const admitted = [...sa, ...sb].filter((s) => s !== 429).length;
    expect(admitted).toBeLessThanOrEqual(210);
    expect(admitted).toBeGreaterThanOrEqual(150); // and the limit is not starved by leases
    expect([...sa, ...sb].filter((s) => s !== 429 && s !== 404)).toEqual([]);
  });

  it('with auth off the limit is the client address: rotating X-Tenant-ID (or its case) does not escape it', async () => {
    const api = await h.start({ limits: { rateLimit: { requests: 20, windowSeconds: 60 } } });
    const tenants = (i: number) => ({ 'x-tenant-id': i % 2 === 0 ? `tenant-${i}` : `TENANT-${i}` });
    const statuses = await hammer(api.url, 100, 4, tenants);
    expect(statuses.filter((s) => s !== 429)).toHaveLength(20);
  });

  it('with auth on the limit is the principal: two tokens have their own budgets, whatever the tenant', async () => {
    const client = redisClient();
    const tokens = parseTokenList('one:token-one-0123456789abcd,two:token-two-0123456789abcd');
    const served = await serveApp({
      client,
      auth: await Authenticator.create({ tokens }),
      limits: { rateLimit: { requests: 10, windowSeconds: 60 } },
    });
    h.track(served);
    const as = (token: string) => (i: number) => ({
      authorization: `Bearer ${token}`,
      'x-tenant-id': `t${i}`,
    });
    const one = await hammer(served.url, 30, 2, as('token-one-0123456789abcd'));
    const two = await hammer(served.url, 30, 2, as('token-two-0123456789abcd'));
    expect(one.filter((s) => s !== 429)).toHaveLength(10);
    expect(two.filter((s) => s !== 429)).toHaveLength(10);
  });
});
