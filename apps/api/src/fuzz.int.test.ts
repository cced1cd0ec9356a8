/**
 * Property-based fuzzing of the whole route table against the real server (`startApi`, as
 * `cache-api` runs it) over a real Redis, on 16 keep-alive connections: at least 10,000 generated
 * requests, hostile ones included. No answer may be a 5xx, no connection may drop, no request may
 * take a second, and the server must be healthy at the end.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { createCacheClient } from '@org/cache-client';
import { timestampFromMillis } from '@org/cache-core';
import { startRedis } from '@org/cache-testkit';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { SCOPES } from './auth/scopes.js';
import { loadEnv } from './env.js';
import { createLogger } from './logger.js';
import { API_ROUTES } from './route-table/table.js';
import { startApi } from './server.js';
import { type HostileRequest, hostileRequest } from './test/hostile-requests.js';

const CONNECTIONS = 16;
const RUNS = 640; // × 16 requests per run = 10,240
const MAX_BODY_BYTES = 65_536;

interface Outcome {
  status: number;
  ms: number;
  error?: string;
  /** The answer's text, kept when the request names the route that answers. */
  text?: string;
}

/** Why a successful answer does not match the schema its route documents (null when it does). */
const ROUTE_OF = new Map(API_ROUTES.map((route) => [`${route.method} ${route.path}`, route]));

function undocumented(r: HostileRequest, o: Outcome): string | null {
  const documented = r.route === undefined ? undefined : ROUTE_OF.get(r.route)?.response;
  if (!documented?.schema || o.status !== documented.status || o.text === undefined) return null;
  const parsed = documented.schema.schema.safeParse(JSON.parse(o.text));
  return parsed.success
    ? null
    : `answer is not ${documented.schema.name}: ${parsed.error.issues[0]?.message}`;
}

function send(agent: http.Agent, base: URL, r: HostileRequest): Promise<Outcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = { ...r.headers };
    if (r.body !== undefined) headers['content-length'] = Buffer.byteLength(r.body);
    const req = http.request(
      { host: base.hostname, port: base.port, method: r.method, path: r.path, agent, headers },
      (res) => {
        const chunks: Buffer[] = [];
        if (r.route) res.on('data', (chunk: Buffer) => chunks.push(chunk));
        else res.resume();
        res.on('end', () => {
          const text = r.route ? Buffer.concat(chunks).toString() : undefined;
          resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, text });
        });
        res.on('error', (error) =>
          resolve({ status: 0, ms: performance.now() - started, error: error.message }),
        );
      },
    );
    req.setTimeout(5_000, () => req.destroy(new Error('no answer in 5 s')));
    req.on('error', (error) => resolve({ status: 0, ms: performance.now() - started, error: error.message }));
    req.end(r.body);
  });
}

it(`answers ${RUNS * CONNECTIONS} hostile requests over the route table without a 5xx, a drop or a slow answer`, async () => {
  const redis = await startRedis();
  const token = randomBytes(24).toString('base64url');
  const keyPrefix = `fuzz-${process.pid}:`;
  const env = loadEnv({
    REDIS_URL: redis.url,
    KEY_PREFIX: keyPrefix,
    API_HOST: '127.0.0.1',
    API_PORT: '0',
    // Every scope but cache:admin, so that the admin routes are exercised too.
    API_TOKENS: JSON.stringify([
      { service_id: 'fuzz', token, scopes: SCOPES.filter((scope) => scope !== 'cache:admin') },
    ]),
    LOG_LEVEL: 'silent',
    RATE_LIMIT_ENABLED: 'false',
    AUTH_FAILURE_LIMIT: '0',
    API_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
  });
  const api = await startApi(env, createLogger('silent'));
  const seeder = createCacheClient({ transport: 'redis', url: redis.url, keyPrefix });
  const deviceIds = Array.from({ length: 20 }, (_, i) => `dev-${i}`).concat(['gw/01', 'ünï', '%41']);
  const keys = ['k', 'user:1', 'a/b', 'stats', 'health', 'pattern', '%', 'ünï'];
  const tenants = ['acme', 'globex'];
  const seed = async () => {
    await seeder.upsertReadings(
      deviceIds.map((device_id, i) => ({
        device_id,
        index: 'T',
        timestamp: timestampFromMillis(Date.UTC(2025, 5, 25) + i),
        request_id: null,
        values: [i],
        labels: null,
        display_names: null,
        metadata: { datatype_id: 'd', datatype_name: 'T', datatype_unit: null, persist: true },
      })),
    );
    for (const tenant of tenants)
      await seeder.forTenant(tenant).setMany(keys.map((key) => ({ key, value: key })));
  };
  await seed();

  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const base = new URL(api.url.replace('localhost', '127.0.0.1'));
  const failures: string[] = [];
  let sent = 0;
  let checked = 0;
  let slowest = 0;
  const statuses = new Map<number, number>();
  const started = performance.now();
  try {
    const request = hostileRequest(API_ROUTES, {
      token,
      deviceIds,
      keys,
      tenants,
      maxBodyBytes: MAX_BODY_BYTES,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(request, { minLength: CONNECTIONS, maxLength: CONNECTIONS }),
        async (batch) => {
          const outcomes = await Promise.all(batch.map((r) => send(agent, base, r)));
          sent += outcomes.length;
          const bad: string[] = [];
          outcomes.forEach((o, i) => {
            const r = batch[i]!;
            statuses.set(o.status, (statuses.get(o.status) ?? 0) + 1);
            slowest = Math.max(slowest, o.ms);
            const what = `${r.method} ${r.path.slice(0, 120)} (${(r.body ?? '').length} B)`;
            if (o.error !== undefined) bad.push(`${what}: ${o.error}`);
            else if (o.status >= 500) bad.push(`${what}: ${o.status}`);
            else if (o.ms > 1_000) bad.push(`${what}: ${Math.round(o.ms)} ms`);
            else {
              const wrong = undocumented(r, o);
              if (wrong !== null) bad.push(`${what}: ${wrong}`);
              else if (r.route && o.status === ROUTE_OF.get(r.route)?.response.status) checked++;
            }
          });
          failures.push(...bad);
          expect(bad).toEqual([]);
        },
      ),
      { numRuns: RUNS, endOnFailure: true },
    );
    expect(sent).toBeGreaterThanOrEqual(10_000);
    // Enough successful answers were checked against their documented schema to mean something.
    expect(checked).toBeGreaterThan(500);
    const live = await send(agent, base, { method: 'GET', path: '/health/live', headers: {} });
    expect(live.status).toBe(200);
    const health = await send(agent, base, {
      method: 'GET',
      path: '/health',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(health.status).toBe(200);
    await seed();
    const device = await send(agent, base, {
      method: 'GET',
      path: '/api/devices/dev-1',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(device.status).toBe(200);
  } finally {
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const summary = [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}: ${n}`);
    console.log(
      `fuzz: ${sent} requests in ${seconds} s, slowest ${Math.round(slowest)} ms, ${checked} answers matched their documented schema; ${summary.join(', ')}`,
    );
    if (failures.length > 0) console.log(failures.slice(0, 20).join('\n'));
    agent.destroy();
    await seeder.close();
    await api.close();
    await redis.stop();
  }
}, 180_000);
