import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CryptoKey, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { errorOf, memoryApp } from '../test/fixtures.js';
import { Authenticator } from './authenticator.js';
import { parseTokenList, sha256 } from './token-config.js';

const READER = 'reader-token-0123456789';
const WRITER = 'writer-token-0123456789';
const ACME = 'acme-only-token-0123456789';
const ADMIN = 'admin-token-0123456789ab';
const SECRET = 'an-hs256-secret-of-at-least-32-bytes!!';

async function authApp() {
  const tokens = parseTokenList(
    JSON.stringify([
      { service_id: 'reader', token: READER, scopes: ['cache:read'] },
      {
        service_id: 'writer',
        token_sha256: sha256(WRITER).toString('hex'),
        scopes: ['cache:read', 'cache:write', 'cache:delete'],
      },
      {
        service_id: 'acme-svc',
        token: ACME,
        scopes: ['cache:read', 'cache:write', 'cache:delete', 'cache:flush'],
        tenants: ['acme'],
      },
      { service_id: 'ops', token: ADMIN, scopes: ['cache:admin'] },
    ]),
  );
  return memoryApp({ auth: await Authenticator.create({ tokens, jwt: { secret: SECRET } }) }, true);
}

const hs256 = (claims: Record<string, unknown>, exp: string | number = '5m') =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(SECRET));

describe('authentication and authorization', () => {
  it('needs a bearer credential everywhere but liveness (401 AUTH_001 with WWW-Authenticate)', async () => {
    const t = await authApp();
    expect((await t.call('GET', '/health/live')).status).toBe(200);
    for (const path of [
      '/api/devices',
      '/api/devices/2207001',
      '/health',
      '/health/ready',
      '/metrics',
      '/openapi.json',
      '/docs',
      '/api/stats',
    ]) {
      const r = await t.call('GET', path);
      expect(r.status, path).toBe(401);
      expect(r.headers.get('www-authenticate')).toContain('Bearer');
      expect((await errorOf(r)).code).toBe('AUTH_001');
    }
    for (const authorization of ['Basic abc', 'Bearer', 'Bearer wrong-token-0123456789', `Token ${READER}`]) {
      const r = await t.call('GET', '/api/devices', { headers: { authorization } });
      expect(r.status, authorization).toBe(401);
    }
    expect((await t.call('GET', '/api/devices', { token: READER })).status).toBe(200);
    expect(
      (await t.call('GET', '/api/devices', { headers: { authorization: `bearer ${READER}` } })).status,
    ).toBe(200);
  });

  it('accepts tokens stored as SHA-256 and refuses missing scopes (403 AUTH_002)', async () => {
    const t = await authApp();
    const write = await t.call('PUT', '/api/v2/cache/k', {
      token: READER,
      tenant: 'acme',
      body: { value: 1 },
    });
    expect(write.status).toBe(403);
    expect(await errorOf(write)).toMatchObject({ code: 'AUTH_002', details: { scope: 'cache:write' } });
    expect(
      (await t.call('PUT', '/api/v2/cache/k', { token: WRITER, tenant: 'acme', body: { value: 1 } })).status,
    ).toBe(201);
    expect((await t.call('GET', '/metrics', { token: WRITER })).status).toBe(403);
    expect((await t.call('GET', '/metrics', { token: ADMIN })).status).toBe(200);
    expect((await t.call('POST', '/api/v2/cache/flush', { token: WRITER })).status).toBe(403);
    expect((await t.call('POST', '/api/v2/cache/reload', { token: WRITER })).status).toBe(403);
    expect((await t.call('POST', '/api/devices/readings', { token: READER, body: [] })).status).toBe(403);
    const batchSet = await t.call('POST', '/api/v2/cache/batch', {
      token: READER,
      tenant: 'acme',
      body: { operation: 'set', items: [{ key: 'a', value: 1 }] },
    });
    expect(batchSet.status).toBe(403);
  });

  it('keeps a tenant-bound token to its tenants', async () => {
    const t = await authApp();
    expect(
      (await t.call('PUT', '/api/v2/cache/k', { token: ACME, tenant: 'acme', body: { value: 1 } })).status,
    ).toBe(201);
    const other = await t.call('GET', '/api/v2/cache/k', { token: ACME, tenant: 'globex' });
    expect(other.status).toBe(403);
    expect(await errorOf(other)).toMatchObject({ code: 'AUTH_002', details: { tenant: 'globex' } });
    const flush = await t.call('POST', '/api/v2/cache/flush', {
      token: ACME,
      tenant: 'acme',
      body: { scope: 'all' },
    });
    expect(flush.status).toBe(403);
  });

  it('lets only the admin scope clear another tenant', async () => {
    const t = await authApp();
    await t.call('PUT', '/api/v2/cache/k', { token: WRITER, tenant: 'globex', body: { value: 1 } });
    const denied = await t.call('DELETE', '/api/v1/cache/tenant/globex', { token: WRITER, tenant: 'acme' });
    expect(denied.status).toBe(403);
    const admin = await t.call('DELETE', '/api/v1/cache/tenant/globex', { token: ADMIN, tenant: 'acme' });
    expect(await admin.json()).toEqual({ tenant: 'globex', deleted: 1 });
  });

  it('accepts HS256 JWTs with service_id, scopes and tenants; refuses expired or forged ones', async () => {
    const t = await authApp();
    const jwt = await hs256({ service_id: 'dash', scopes: ['cache:read'], tenants: ['acme'] });
    expect((await t.call('GET', '/api/devices', { token: jwt })).status).toBe(200);
    expect((await t.call('GET', '/api/v2/cache/k', { token: jwt, tenant: 'globex' })).status).toBe(403);
    expect(
      (await t.call('PUT', '/api/v2/cache/k', { token: jwt, tenant: 'acme', body: { value: 1 } })).status,
    ).toBe(403);
    const oauthStyle = await hs256({ sub: 'svc', scope: 'cache:read metrics:read' });
    expect((await t.call('GET', '/metrics', { token: oauthStyle })).status).toBe(200);
    const expired = await hs256(
      { service_id: 'dash', scopes: ['cache:read'] },
      Math.floor(Date.now() / 1000) - 60,
    );
    const r = await t.call('GET', '/api/devices', { token: expired });
    expect(r.status).toBe(401);
    expect((await errorOf(r)).message).toContain('expired');
    const forged = await new SignJWT({ service_id: 'x', scopes: ['cache:admin'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('another-secret-of-at-least-32-bytes!!!'));
    expect((await t.call('GET', '/api/devices', { token: forged })).status).toBe(401);
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"service_id":"x","scopes":["cache:admin"]}').toString('base64url')}.`;
    expect((await t.call('GET', '/api/devices', { token: unsigned })).status).toBe(401);
    const noService = await hs256({ scopes: ['cache:read'] });
    expect((await t.call('GET', '/api/devices', { token: noService })).status).toBe(401);
  });

  it('accepts RS256 JWTs signed by the configured key only', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const other = await generateKeyPair('RS256');
    const t = memoryApp({
      auth: await Authenticator.create({
        jwt: { publicKey: await exportSPKI(publicKey), issuer: 'idp', audience: 'cache-api' },
      }),
    });
    const sign = (key: CryptoKey, issuer = 'idp') =>
      new SignJWT({ service_id: 'svc', scopes: ['cache:read'] })
        .setProtectedHeader({ alg: 'RS256' })
        .setIssuer(issuer)
        .setAudience('cache-api')
        .setExpirationTime('5m')
        .sign(key);
    expect((await t.call('GET', '/api/devices', { token: await sign(privateKey) })).status).toBe(200);
    expect((await t.call('GET', '/api/devices', { token: await sign(other.privateKey) })).status).toBe(401);
    expect(
      (await t.call('GET', '/api/devices', { token: await sign(privateKey, 'someone-else') })).status,
    ).toBe(401);
    const hs = await hs256({ service_id: 'svc', scopes: ['cache:read'] });
    expect((await t.call('GET', '/api/devices', { token: hs })).status).toBe(401);
  });

  it('re-reads the token file on POST /api/v2/cache/reload; a broken file keeps the previous tokens', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cache-api-tokens-'));
    const file = join(dir, 'tokens.json');
    const first = 'first-token-0123456789';
    const second = 'second-token-0123456789';
    writeFileSync(
      file,
      JSON.stringify({
        tokens: [{ service_id: 'ops', token: first, scopes: ['cache:reload', 'cache:read'] }],
      }),
    );
    const t = memoryApp({ auth: await Authenticator.create({ tokensFile: file }) });
    expect((await t.call('GET', '/api/devices', { token: first })).status).toBe(200);
    writeFileSync(
      file,
      JSON.stringify({
        tokens: [{ service_id: 'ops', token: second, scopes: ['cache:reload', 'cache:read'] }],
      }),
    );
    expect((await t.call('GET', '/api/devices', { token: second })).status).toBe(401);
    const reload = await t.call('POST', '/api/v2/cache/reload', { token: first });
    expect(await reload.json()).toMatchObject({
      status: 'success',
      data: { enabled: true, static_tokens: 1 },
    });
    expect((await t.call('GET', '/api/devices', { token: second })).status).toBe(200);
    expect((await t.call('GET', '/api/devices', { token: first })).status).toBe(401);
    writeFileSync(file, '{ not json');
    const broken = await t.call('POST', '/api/v2/cache/reload', { token: second });
    expect(broken.status).toBe(400);
    expect((await errorOf(broken)).message).toContain('previous settings stay');
    expect((await t.call('GET', '/api/devices', { token: second })).status).toBe(200);
  });

  it('can serve the docs without a token when asked', async () => {
    const t = memoryApp({
      auth: await Authenticator.create({ tokens: parseTokenList(`a:${READER}`) }),
      docsPublic: true,
    });
    expect((await t.call('GET', '/docs')).status).toBe(200);
    expect((await t.call('GET', '/openapi.json')).status).toBe(200);
    expect((await t.call('GET', '/api/devices')).status).toBe(401);
  });

  it('parses API_TOKENS and refuses weak or malformed entries without echoing secrets', () => {
    expect(parseTokenList('svc-a:0123456789abcdef0123, svc-b:sha256:' + 'ab'.repeat(32))).toHaveLength(2);
    expect(() => parseTokenList('svc-a:short')).toThrow(/at least|too small|>=16/i);
    expect(() => parseTokenList('no-colon-here-0123456789')).toThrow(/service_id:token/);
    expect(() =>
      parseTokenList('[{"service_id":"a","token":"0123456789abcdef0","scopes":["cache:everything"]}]'),
    ).toThrow(/scopes/);
    try {
      parseTokenList('[{"service_id":"a","token":"secret-but-short"}]');
    } catch (error) {
      expect((error as Error).message).not.toContain('secret-but-short');
    }
  });
});
