import fc from 'fast-check';
import { expect, it } from 'vitest';
import { Authenticator } from '../auth/authenticator.js';
import { SCOPES, type Scope } from '../auth/scopes.js';
import { parseTokenList } from '../auth/token-config.js';
import { memoryApp } from '../test/fixtures.js';
import type { AnyRoute } from './route.js';
import { API_ROUTES } from './table.js';

const TENANTS = ['acme', 'globex'] as const;

interface Caller {
  token: string;
  scopes: Scope[];
  tenants: string[] | null;
}

/** What the table says the caller may do, worked out here on its own (not by the registrar's code). */
function expected(
  route: AnyRoute,
  caller: Caller,
  header: string | undefined,
  target: string,
  body: unknown,
) {
  const admin = caller.scopes.includes('cache:admin');
  // A token limited to some tenants never holds the device scopes.
  const held = new Set(
    caller.tenants === null
      ? caller.scopes
      : caller.scopes.filter((s) => s !== 'devices:write' && s !== 'devices:admin'),
  );
  const may = (scope: Scope) => admin || held.has(scope);
  const mayTenant = (t: string) => admin || caller.tenants === null || caller.tenants.includes(t);
  // The registrar's documented order: the route's scope, the tenant (unless it depends on the
  // body), then what depends on the body.
  if (route.access !== 'none' && route.access !== 'any token' && !may(route.access)) return 'forbidden';
  if (route.tenant === 'header' || route.tenant === 'header+path') {
    if (header === undefined) return 'no tenant';
    if (!mayTenant(header)) return 'forbidden';
    if (route.tenant === 'header+path' && target !== header && !admin) return 'forbidden';
  }
  if (route.scopeByBody) {
    const scope = route.scopeByBody.scopes[(body as Record<string, string>)[route.scopeByBody.field]!]!;
    if (!may(scope)) return 'forbidden';
  }
  if (route.tenant === 'header-or-all') {
    if ((body as { scope?: string }).scope === 'all')
      return caller.tenants === null || admin ? 'allowed' : 'forbidden';
    if (header === undefined) return 'no tenant';
    if (!mayTenant(header)) return 'forbidden';
  }
  return 'allowed';
}

const PARAM_VALUES: Record<string, string> = { device_id: 'dev-1', key: 'k', pattern: '*', index: 'T' };

/** A body that passes validation where the rules depend on it, else `{}`. */
function bodyFor(route: AnyRoute): fc.Arbitrary<unknown> {
  if (route.scopeByBody) {
    return fc.constantFrom(
      { operation: 'get', keys: ['k'] },
      { operation: 'set', items: [{ key: 'k', value: 1 }] },
      { operation: 'delete', keys: ['k'] },
    );
  }
  if (route.tenant === 'header-or-all') return fc.constantFrom({}, { scope: 'tenant' }, { scope: 'all' });
  return fc.constant({});
}

it('every route of the table refuses exactly the callers its scope and tenant rule refuse', async () => {
  const callers = fc.sample(
    fc.record({
      scopes: fc.subarray([...SCOPES]),
      tenants: fc.option(fc.subarray([...TENANTS]), { nil: null }),
    }),
    { numRuns: 40, seed: 7 },
  ) as Omit<Caller, 'token'>[];
  const withTokens: Caller[] = callers.map((c, i) => ({ ...c, token: `caller-${i}-token-0123456789abcdef` }));
  const tokens = parseTokenList(
    JSON.stringify(
      withTokens.map((c, i) => ({
        service_id: `caller-${i}`,
        token: c.token,
        scopes: c.scopes,
        ...(c.tenants === null ? {} : { tenants: c.tenants }),
      })),
    ),
  );
  const t = memoryApp({ auth: await Authenticator.create({ tokens }) });
  const byKey = new Map(API_ROUTES.map((r) => [`${r.method} ${r.path}`, r]));
  const keys = [...byKey].filter(([, r]) => r.access !== 'none').map(([key]) => key);
  const request = fc.constantFrom(...keys).chain((key) =>
    fc.record({
      route: fc.constant(key),
      caller: fc.nat(withTokens.length - 1),
      header: fc.option(fc.constantFrom(...TENANTS), { nil: undefined }),
      target: fc.constantFrom(...TENANTS),
      body: bodyFor(byKey.get(key)!),
    }),
  );
  await fc.assert(
    fc.asyncProperty(request, async ({ route: key, caller, header, target, body }) => {
      const route = byKey.get(key)!;
      const who = withTokens[caller]!;
      const path = route.path.replace(/\{(\w+)\}/g, (_: string, name: string) =>
        name === 'tenant_id' ? target : PARAM_VALUES[name]!,
      );
      const r = await t.call(route.method, path, {
        token: who.token,
        tenant: header,
        body: route.method === 'GET' ? undefined : body,
      });
      const outcome = expected(route, who, header, target, body);
      const label = `${key} ${JSON.stringify({ scopes: who.scopes, tenants: who.tenants, header, target, body })}`;
      if (outcome === 'forbidden') expect(r.status, label).toBe(403);
      else if (outcome === 'no tenant') expect(r.status, label).toBe(400);
      else expect([401, 403], label).not.toContain(r.status);
    }),
    { numRuns: 2_000 },
  );
});
