import { assertTenant, ForbiddenError, type JsonValue, NotFoundError } from '@org/cache-core';
import type { Context, Hono } from 'hono';
import { requireScope, requireTenant } from '../auth/middleware.js';
import type { AppEnv } from '../http/context.js';
import { json } from '../http/respond.js';
import { readBody } from '../http/validate.js';
import { V1InvalidateBody, V1SetBody } from '../schemas/cache.js';
import type { RouteDeps } from './deps.js';
import { entryLocation, lookupEntry, respondWithEntry } from './entries.js';

/** The seed's generic cache: tenant from `X-Tenant-ID`, plain JSON answers. */
export function registerCacheV1(app: Hono<AppEnv>, deps: RouteDeps): void {
  const { client } = deps;

  app.post('/api/v1/cache/invalidate', async (c) => {
    requireScope(c, 'cache:delete');
    const tenant = requireTenant(c);
    c.set('operation', 'invalidate');
    const { pattern } = await readBody(c, V1InvalidateBody);
    c.set('subjectKey', pattern);
    const deleted = await client.forTenant(tenant).invalidate(pattern);
    return json(c, { tenant, pattern, deleted });
  });

  app.get('/api/v1/cache/:key', async (c) => {
    requireScope(c, 'cache:read');
    const tenant = requireTenant(c);
    const key = c.req.param('key');
    c.set('operation', 'get');
    c.set('subjectKey', key);
    const entry = await lookupEntry(deps, tenant, key);
    return respondWithEntry(c, entry, entry);
  });

  app.post('/api/v1/cache', async (c) => {
    requireScope(c, 'cache:write');
    const tenant = requireTenant(c);
    c.set('operation', 'set');
    const body = await readBody(c, V1SetBody);
    c.set('subjectKey', body.key);
    const [entry] = await client
      .forTenant(tenant)
      .setMany([{ key: body.key, value: body.value as JsonValue, ttl: body.ttl }]);
    const { value: _value, ...stored } = entry!;
    return json(c, { ...stored, tenant }, stored.version === 1 ? 201 : 200, {
      location: entryLocation('/api/v1/cache', body.key),
    });
  });

  // DELETE /tenant/{tenant_id} is served here too: the RegExpRouter refuses a fixed path beside a
  // parameter at the same place.
  app.delete('/api/v1/cache/:key/:tenant_id?', async (c) => {
    const key = c.req.param('key');
    const tenantId = c.req.param('tenant_id');
    if (tenantId !== undefined) {
      if (key !== 'tenant') throw new NotFoundError(`no route for DELETE ${c.req.path}`);
      c.set('route', '/api/v1/cache/tenant/:tenant_id');
      return clearTenant(c, tenantId);
    }
    c.set('route', '/api/v1/cache/:key');
    requireScope(c, 'cache:delete');
    const tenant = requireTenant(c);
    c.set('operation', 'delete');
    c.set('subjectKey', key);
    if (!(await client.forTenant(tenant).delete(key))) throw new NotFoundError(`key ${key} not found`);
    return json(c, { key, deleted: true });
  });

  async function clearTenant(c: Context<AppEnv>, tenantId: string): Promise<Response> {
    requireScope(c, 'cache:delete');
    const caller = requireTenant(c);
    c.set('operation', 'clearTenant');
    const target = assertTenant(tenantId);
    if (target !== caller && !c.get('principal').admin) {
      throw new ForbiddenError(
        `tenant ${target} is not the caller's tenant (${caller}); clearing it needs the admin scope`,
        {
          details: { tenant: target },
        },
      );
    }
    const deleted = await client.forTenant(target).clearTenant();
    return json(c, { tenant: target, deleted });
  }
}
