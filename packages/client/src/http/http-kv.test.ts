import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appliedOptionsOf, isExpiredAt, withKvOptions } from '@org/cache-core';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpCalls } from './http-calls.js';
import { HttpKv } from './http-kv.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** An API stand-in that records each body and answers what `answer` makes of it. */
async function api(answer: (method: string, url: string, body: string) => [number, unknown]) {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      bodies.push(body);
      const [status, json] = answer(req.method!, req.url!, body);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  const kv = new HttpKv(
    new HttpCalls({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }, 100),
  );
  return { kv, bodies };
}

const meta = { created_at: '2026-11-30T00:00:00.000Z', expires_at: null, version: 1, ttl: null };
const applied = {
  compression: 'zstd',
  encryption: 'aes-256-gcm',
  key_id: 'k1',
  consistency: 'strong',
  cache_type: 'session',
  stored_bytes: 10,
  value_bytes: 20,
  replication: { replicas: 1, acknowledged: 1, waited: true, timeout_ms: 1000 },
};

describe('HttpKv write options', () => {
  it('sends the options in the API spelling and keeps what the API applied', async () => {
    const { kv, bodies } = await api((_m, url) =>
      url === '/api/v2/cache/batch'
        ? [
            200,
            {
              status: 'success',
              data: {
                items: [
                  { key: 'a', found: true, metadata: { ...meta, options: applied } },
                  { key: 'b', found: true, metadata: meta },
                ],
              },
            },
          ]
        : [201, { status: 'success', key: 'k', data: null, metadata: { ...meta, options: applied } }],
    );
    const context = withKvOptions(undefined, {
      encryption: true,
      consistency: 'strong',
      cacheType: 'session',
      compression: false,
    });
    const [entry] = await kv.set('acme', [{ key: 'k', json: '{"a":1}', ttl: null }], context);
    expect(JSON.parse(bodies[0]!)).toEqual({
      value: { a: 1 },
      ttl: null,
      options: { compression: false, encryption: true, consistency: 'strong', cache_type: 'session' },
    });
    expect(appliedOptionsOf(entry!)).toEqual(applied);
    const many = await kv.set(
      'acme',
      [
        { key: 'a', json: '1', ttl: 5 },
        { key: 'b', json: '2', ttl: null },
      ],
      context,
    );
    const batch = JSON.parse(bodies[1]!);
    expect(batch.items.map((i: { options: unknown }) => i.options)).toEqual([
      { compression: false, encryption: true, consistency: 'strong', cache_type: 'session' },
      { compression: false, encryption: true, consistency: 'strong', cache_type: 'session' },
    ]);
    expect([appliedOptionsOf(many[0]!), appliedOptionsOf(many[1]!)]).toEqual([applied, undefined]);
    await kv.set('acme', [{ key: 'k', json: '1', ttl: null }], undefined);
    expect(JSON.parse(bodies[2]!)).toEqual({ value: 1, ttl: null });
  });

  it('marks a key the API answers expired (CACHE_002), single and batch', async () => {
    const { kv } = await api((_m, url) =>
      url === '/api/v2/cache/batch'
        ? [
            200,
            {
              status: 'success',
              data: {
                items: [
                  { key: 'a', found: false },
                  { key: 'b', found: false, expired: true },
                ],
              },
            },
          ]
        : [
            404,
            {
              error: {
                code: 'CACHE_002',
                message: 'key k expired',
                details: { key: 'k', operation: 'get', timestamp: 'now' },
              },
            },
          ],
    );
    const one = await kv.get('acme', ['k']);
    expect(one).toEqual([null]);
    expect(isExpiredAt(one, 0)).toBe(true);
    const two = await kv.get('acme', ['a', 'b']);
    expect([isExpiredAt(two, 0), isExpiredAt(two, 1)]).toEqual([false, true]);
  });
});
