import { mkdtempSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCacheClient } from '@org/cache-client';
import { describe, expect, it } from 'vitest';
import { serveApp } from '../test/serve.js';
import { Authenticator } from './authenticator.js';
import { ConnectionCredentials, sameString } from './connection-credentials.js';
import { makePrincipal } from './principal.js';

const principal = makePrincipal('svc', 'token', ['cache:read'], null);

/** GETs over one keep-alive socket; answers the status and the socket's local port. */
function caller(url: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const get = (path: string, token: string) =>
    new Promise<{ status: number; port: number }>((resolve, reject) => {
      const req = request(
        `${url}${path}`,
        { agent, headers: { authorization: `Bearer ${token}` } },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode!, port: req.socket!.localPort! }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  return { get, close: () => agent.destroy() };
}

describe('credentials remembered per connection', () => {
  it('compares strings whatever their contents', () => {
    expect(sameString('Bearer abc', 'Bearer abc')).toBe(true);
    expect(sameString('Bearer abc', 'Bearer abd')).toBe(false);
    expect(sameString('Bearer abc', 'Bearer ab')).toBe(false);
    expect(sameString('', '')).toBe(true);
  });

  it('answers only the same header, on the same connection, of the same generation', () => {
    const memo = new ConnectionCredentials();
    const a = {};
    memo.remember(a, 'Bearer t1', principal, 1);
    expect(memo.get(a, 'Bearer t1', 1)).toBe(principal);
    expect(memo.get(a, 'Bearer t2', 1)).toBeUndefined();
    expect(memo.get({}, 'Bearer t1', 1)).toBeUndefined();
    expect(memo.get(a, 'Bearer t1', 2)).toBeUndefined();
  });

  it('never lets a connection keep a token that a reload removed, nor pass a wrong one', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cache-api-tokens-')), 'tokens.json');
    const write = (token: string) =>
      writeFileSync(file, JSON.stringify({ tokens: [{ service_id: 'ops', token, scopes: ['cache:read'] }] }));
    write('first-token-0123456789');
    const auth = await Authenticator.create({ tokensFile: file });
    const served = await serveApp({ client: createCacheClient({ transport: 'memory' }), auth });
    const http = caller(served.url);
    try {
      const one = await http.get('/api/devices', 'first-token-0123456789');
      const two = await http.get('/api/devices', 'first-token-0123456789');
      expect([one.status, two.status]).toEqual([200, 200]);
      expect(two.port).toBe(one.port); // the same connection
      expect((await http.get('/api/devices', 'first-token-012345678X')).status).toBe(401);
      expect((await http.get('/api/devices', 'first-token-0123456789')).status).toBe(200);
      write('second-token-0123456789');
      await auth.reload();
      const stale = await http.get('/api/devices', 'first-token-0123456789');
      expect(stale).toEqual({ status: 401, port: one.port });
      expect((await http.get('/api/devices', 'second-token-0123456789')).status).toBe(200);
    } finally {
      http.close();
      await served.stop();
    }
  });
});
