import {
  assertCacheKey,
  ForbiddenError,
  type JsonValue,
  NotFoundError,
  TooLargeError,
  ValidationError,
} from '@org/cache-core';
import type { Context, Hono } from 'hono';
import { requireScope, requireTenant } from '../auth/middleware.js';
import type { AppEnv } from '../http/context.js';
import { json } from '../http/respond.js';
import { readBody, readQuery } from '../http/validate.js';
import { V2BatchBody, V2ListQuery, V2SetBody } from '../schemas/cache.js';
import type { RouteDeps } from './deps.js';
import { entryLocation, entryMetadata, lookupEntry, respondWithEntry } from './entries.js';
import { healthBody } from './health.js';

const now = () => new Date().toISOString();

/** The interface-control document's cache: `{status, data, metadata}` answers. */
export function registerCacheV2(app: Hono<AppEnv>, deps: RouteDeps): void {
  const { client, metrics, limits, auth, logger } = deps;

  // GET stats, health and pattern/{pattern} are served by the GET /{key} route: the RegExpRouter
  // (the fastest) refuses a fixed path beside a parameter at the same place. They take precedence
  // over keys of those names (the http transport reads such keys through the batch route).
  const stats = async (c: Context<AppEnv>) => {
    requireScope(c, 'cache:read');
    const tenant = requireTenant(c);
    c.set('operation', 'stats');
    const data = await client.forTenant(tenant).stats();
    return json(c, { status: 'success', data, metadata: { timestamp: now() } });
  };

  const health = async (c: Context<AppEnv>) => {
    c.set('operation', 'health');
    const { body, healthy } = await healthBody(deps);
    return json(c, { status: 'success', data: body, metadata: { timestamp: now() } }, healthy ? 200 : 503);
  };

  app.post('/api/v2/cache/flush', async (c) => {
    requireScope(c, 'cache:flush');
    c.set('operation', 'flush');
    const principal = c.get('principal');
    if (principal.tenants !== null && !principal.admin) {
      throw new ForbiddenError('flush clears every tenant; a token limited to some tenants may not do it');
    }
    await client.flush();
    logger.warn({ principal: principal.id, request_id: c.get('requestId') }, 'cache flushed');
    return json(c, { status: 'success', data: { flushed: true }, metadata: { timestamp: now() } });
  });

  app.post('/api/v2/cache/reload', async (c) => {
    requireScope(c, 'cache:reload');
    c.set('operation', 'reload');
    let summary: Awaited<ReturnType<typeof auth.reload>>;
    try {
      summary = await auth.reload();
    } catch (error) {
      throw new ValidationError(`reload failed, the previous settings stay: ${(error as Error).message}`);
    }
    logger.info({ principal: c.get('principal').id, ...summary }, 'auth settings reloaded');
    return json(c, { status: 'success', data: summary, metadata: { timestamp: now() } });
  });

  app.post('/api/v2/cache/batch', async (c) => {
    const tenant = requireTenant(c);
    const body = await readBody(c, V2BatchBody);
    const count = body.operation === 'set' ? body.items.length : body.keys.length;
    c.set('operation', `batch-${body.operation}`);
    if (count > limits.maxBatch) {
      throw new TooLargeError(`at most ${limits.maxBatch} keys per batch`, {
        details: { count, max: limits.maxBatch },
      });
    }
    if (body.operation === 'get') {
      requireScope(c, 'cache:read');
      const entries = await client.forTenant(tenant).getMany(body.keys);
      let found = 0;
      const items = entries.map((e, i) => {
        if (e === null) return { key: body.keys[i]!, found: false };
        found++;
        return { key: e.key, found: true, data: e.value, metadata: entryMetadata(e) };
      });
      metrics.lookup(tenant, found, entries.length - found);
      return json(c, { status: 'success', data: { items }, metadata: { operation: 'get', count, found } });
    }
    if (body.operation === 'set') {
      requireScope(c, 'cache:write');
      const entries = await client
        .forTenant(tenant)
        .setMany(body.items.map((i) => ({ key: i.key, value: i.value as JsonValue, ttl: i.ttl })));
      const items = entries.map((e) => ({ key: e.key, found: true, metadata: entryMetadata(e) }));
      return json(c, { status: 'success', data: { items }, metadata: { operation: 'set', count } });
    }
    requireScope(c, 'cache:delete');
    const deleted = await client.transport.kvDelete(tenant, body.keys.map(assertCacheKey));
    return json(c, { status: 'success', data: { deleted }, metadata: { operation: 'delete', count } });
  });

  const listKeys = async (c: Context<AppEnv>, pattern: string) => {
    requireScope(c, 'cache:read');
    const tenant = requireTenant(c);
    c.set('operation', 'listKeys');
    c.set('subjectKey', pattern);
    const q = readQuery(c, V2ListQuery);
    const page = await client
      .forTenant(tenant)
      .listKeys(pattern, { limit: q.limit, cursor: q.cursor ?? null });
    return json(c, { status: 'success', data: page, metadata: { pattern, count: page.keys.length } });
  };

  app.get('/api/v2/cache/:key/:pattern?', async (c) => {
    const key = c.req.param('key');
    const pattern = c.req.param('pattern');
    if (pattern !== undefined) {
      if (key !== 'pattern') throw new NotFoundError(`no route for GET ${c.req.path}`);
      c.set('route', '/api/v2/cache/pattern/:pattern');
      return listKeys(c, pattern);
    }
    if (key === 'stats' || key === 'health') {
      c.set('route', `/api/v2/cache/${key}`);
      return key === 'stats' ? stats(c) : health(c);
    }
    c.set('route', '/api/v2/cache/:key');
    requireScope(c, 'cache:read');
    const tenant = requireTenant(c);
    c.set('operation', 'get');
    c.set('subjectKey', key);
    const entry = await lookupEntry(deps, tenant, key);
    return respondWithEntry(c, entry, {
      status: 'success',
      key,
      data: entry.value,
      metadata: entryMetadata(entry),
    });
  });

  app.put('/api/v2/cache/:key', async (c) => {
    requireScope(c, 'cache:write');
    const tenant = requireTenant(c);
    const key = c.req.param('key');
    c.set('operation', 'set');
    c.set('subjectKey', key);
    const body = await readBody(c, V2SetBody);
    const [entry] = await client
      .forTenant(tenant)
      .setMany([{ key, value: body.value as JsonValue, ttl: body.ttl }]);
    return json(
      c,
      { status: 'success', key, data: null, metadata: entryMetadata(entry!) },
      entry!.version === 1 ? 201 : 200,
      { location: entryLocation('/api/v2/cache', key) },
    );
  });

  app.delete('/api/v2/cache/:key', async (c) => {
    requireScope(c, 'cache:delete');
    const tenant = requireTenant(c);
    const key = c.req.param('key');
    c.set('operation', 'delete');
    c.set('subjectKey', key);
    if (!(await client.forTenant(tenant).delete(key))) throw new NotFoundError(`key ${key} not found`);
    return json(c, { status: 'success', key, data: { deleted: true }, metadata: { deleted_at: now() } });
  });
}
