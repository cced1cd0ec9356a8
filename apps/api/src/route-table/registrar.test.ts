import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Authenticator } from '../auth/authenticator.js';
import { parseTokenList } from '../auth/token-config.js';
import { buildOpenApi } from '../openapi.js';
import { errorOf, memoryApp } from '../test/fixtures.js';
import { planMounts } from './mounts.js';
import { PARAM } from './params.js';
import { type AnyRoute, defineRoute, named } from './route.js';

/** A route that is not part of the API: adding it is this one declaration. */
const echo = defineRoute({
  method: 'PUT',
  path: '/api/echo/{key}',
  operation: 'echo',
  summary: 'Echo',
  tag: 'Test',
  access: 'cache:write',
  tenant: 'header',
  params: { key: PARAM.key },
  body: named('EchoBody', z.object({ n: z.number().int() }).strict()),
  response: { status: 200, schema: named('EchoAnswer', z.object({ status: z.literal('success') })) },
  envelope: 'v2',
  handler:
    () =>
    ({ tenant, params, body }) => ({ body: { data: { tenant, key: params.key, n: body.n }, metadata: {} } }),
});

const WRITER = 'writer-token-0123456789ab';
const READER = 'reader-token-0123456789ab';

async function app() {
  const tokens = parseTokenList(
    JSON.stringify([
      { service_id: 'writer', token: WRITER, scopes: ['cache:write'], tenants: ['acme'] },
      { service_id: 'reader', token: READER, scopes: ['cache:read'] },
    ]),
  );
  return memoryApp({ auth: await Authenticator.create({ tokens }), routes: [echo] });
}

describe('the registrar', () => {
  it("applies a new route's scope, tenant rule, parameter and body checks, and its envelope", async () => {
    const t = await app();
    const call = (token: string, tenant: string | undefined, key: string, body: unknown) =>
      t.call('PUT', `/api/echo/${key}`, { token, tenant, body });
    const ok = await call(WRITER, 'acme', 'a%2Fb', { n: 1 });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({
      status: 'success',
      data: { tenant: 'acme', key: 'a/b', n: 1 },
      metadata: {},
    });
    const cases: [string, string | undefined, string, unknown, number, string][] = [
      [READER, 'acme', 'k', { n: 1 }, 403, 'AUTH_002'], // scope
      [WRITER, 'globex', 'k', { n: 1 }, 403, 'AUTH_002'], // tenant outside the token's
      [WRITER, undefined, 'k', { n: 1 }, 400, 'CACHE_004'], // no X-Tenant-ID
      [WRITER, 'bad tenant', 'k', { n: 1 }, 400, 'CACHE_004'],
      [WRITER, 'acme', 'x'.repeat(600), { n: 1 }, 400, 'CACHE_004'], // key too long
      [WRITER, 'acme', '%01', { n: 1 }, 400, 'CACHE_004'], // control character
      [WRITER, 'acme', 'k', { n: 'one' }, 400, 'CACHE_007'],
      [WRITER, 'acme', 'k', { n: 1, extra: true }, 400, 'CACHE_007'],
      ['wrong-token-0123456789abc', 'acme', 'k', { n: 1 }, 401, 'AUTH_001'],
    ];
    for (const [token, tenant, key, body, status, code] of cases) {
      const r = await call(token, tenant, key, body);
      const label = `${token.slice(0, 6)} ${tenant} ${key.slice(0, 10)} ${JSON.stringify(body)}`;
      expect(r.status, label).toBe(status);
      expect((await errorOf(r)).code, label).toBe(code);
    }
  });

  it('documents the new route from the same declaration', () => {
    const doc = buildOpenApi([echo], '0') as {
      paths: Record<string, { put: { parameters: { name: string; in: string }[]; description: string } }>;
      components: { schemas: Record<string, unknown> };
    };
    const op = doc.paths['/api/echo/{key}']!.put;
    expect(op.parameters.map((p) => `${p.in}:${p.name}`)).toEqual(['path:key', 'header:X-Tenant-ID']);
    expect(op.description).toBe('Needs: cache:write.');
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['EchoBody', 'EchoAnswer']));
  });
});

describe('mount planning', () => {
  const route = (method: 'GET' | 'POST', path: string): AnyRoute =>
    ({ ...echo, method, path, params: {} }) as AnyRoute;

  it('keeps a route alone under its own parameter names when nothing fixed sits beside a parameter', () => {
    const mounts = planMounts([
      route('GET', '/d/{id}'),
      route('GET', '/d/{id}/readings'),
      route('POST', '/d/batch'),
    ]);
    expect(mounts.map((m) => `${m.method} ${m.pattern} ${m.candidates.length}`).sort()).toEqual([
      'GET /d/:id 1',
      'GET /d/:id/readings 1',
      'POST /d/batch 1',
    ]);
  });

  it('joins fixed segments beside a parameter into one mount, fixed candidates first', () => {
    const mounts = planMounts([
      route('GET', '/c/{key}'),
      route('GET', '/c/stats'),
      route('GET', '/c/pattern/{pattern}'),
      route('GET', '/c/health'),
    ]);
    const byPattern = Object.fromEntries(
      mounts.map((m) => [m.pattern, m.candidates.map((c) => c.route.path)]),
    );
    expect(byPattern['/c/:s1']).toEqual(['/c/stats', '/c/health', '/c/{key}']);
    expect(byPattern['/c/:s1/:pattern']).toEqual(['/c/pattern/{pattern}']);
  });
});
