import {
  assertCacheKey,
  cachePolicyOf,
  isExpiredAt,
  NotFoundError,
  TooLargeError,
  ValidationError,
} from '@org/cache-core';
import { PARAM } from '../route-table/params.js';
import { defineRoute, named } from '../route-table/route.js';
import {
  V2BatchBody,
  V2BatchResponse,
  V2DeleteResponse,
  V2Entry,
  V2FlushBody,
  V2FlushResponse,
  V2KeyPage,
  V2ListQuery,
  V2SetBody,
  V2SetResponse,
  V2Simple,
  V2Stats,
} from '../schemas/cache.js';
import { writeRequestOf } from '../schemas/cache-options.js';
import { lookupV2, writeEntries, writeMetadata } from './cache-v2-entries.js';
import { entryLocation, entryMetadata, entryReply } from './entries.js';
import { healthBody } from './health.js';

export const V2_TAG = 'Generic cache v2';

const now = () => new Date().toISOString();
const key = { key: PARAM.key };

/**
 * The interface-control document's cache: `{status, data, metadata}` answers. `stats`, `health`
 * and `pattern/{pattern}` take precedence over keys of those names in `GET /api/v2/cache/{key}`
 * (such keys are read through the batch route).
 */
export const CACHE_V2_ROUTES = [
  defineRoute({
    method: 'POST',
    path: '/api/v2/cache/flush',
    operation: 'flush',
    summary:
      'Delete every key of the caller\'s tenant (X-Tenant-ID); `{"scope": "all"}` deletes everything (devices and every tenant) and needs a token not limited to some tenants',
    tag: V2_TAG,
    access: 'cache:flush',
    tenant: 'header-or-all',
    params: {},
    body: named('V2FlushRequest', V2FlushBody),
    bodyOptional: true,
    response: { status: 200, schema: named('V2FlushResponse', V2FlushResponse) },
    errors: [400],
    envelope: 'v2',
    handler:
      ({ client, logger }) =>
      async ({ c, principal, tenant }) => {
        const log = { principal: principal.id, request_id: c.get('requestId'), tenant };
        if (tenant === null) {
          await client.flush({ correlationId: c.get('correlationId') });
          logger.warn(log, 'cache flushed (every tenant and device)');
          return { body: { data: { flushed: true, scope: 'all' }, metadata: { timestamp: now() } } };
        }
        const deleted = await client.forTenant(tenant).clearTenant({ correlationId: c.get('correlationId') });
        logger.info(log, 'tenant flushed');
        return {
          body: { data: { flushed: true, scope: 'tenant', tenant, deleted }, metadata: { timestamp: now() } },
        };
      },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v2/cache/reload',
    operation: 'reload',
    summary: 'Re-read the token file, the JWT key file and the cache-type policy file',
    tag: V2_TAG,
    access: 'cache:reload',
    tenant: 'none',
    params: {},
    response: { status: 200, schema: named('V2Simple', V2Simple) },
    errors: [400],
    envelope: 'v2',
    handler:
      ({ auth, client, logger }) =>
      async ({ principal }) => {
        let summary: Awaited<ReturnType<typeof auth.reload>>;
        let cacheTypes: Record<string, number> | null = null;
        try {
          summary = await auth.reload();
          cacheTypes = (await cachePolicyOf(client.transport)?.reload()) ?? null;
        } catch (error) {
          throw new ValidationError(`reload failed, the previous settings stay: ${(error as Error).message}`);
        }
        const data = cacheTypes === null ? summary : { ...summary, cache_types: cacheTypes };
        logger.info({ principal: principal.id, ...data }, 'auth settings and cache policy reloaded');
        return { body: { data, metadata: { timestamp: now() } } };
      },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v2/cache/batch',
    operation: 'batch',
    summary: 'Get, set or delete many keys (scope by operation: cache:read, cache:write, cache:delete)',
    tag: V2_TAG,
    access: 'any token',
    scopeByBody: {
      field: 'operation',
      scopes: { get: 'cache:read', set: 'cache:write', delete: 'cache:delete' },
    },
    tenant: 'header',
    params: {},
    body: named('V2BatchRequest', V2BatchBody),
    response: { status: 200, schema: named('V2BatchResponse', V2BatchResponse) },
    errors: [400, 413, 507],
    envelope: 'v2',
    handler:
      ({ client, limits, metrics }) =>
      async ({ c, tenant, body }) => {
        const count = body.operation === 'set' ? body.items.length : body.keys.length;
        if (count > limits.maxBatch) {
          throw new TooLargeError(`at most ${limits.maxBatch} keys per batch`, {
            details: { count, max: limits.maxBatch },
          });
        }
        if (body.operation === 'get') {
          const entries = await client.transport.kvGet(tenant!, body.keys.map(assertCacheKey));
          let found = 0;
          const items = entries.map((e, i) => {
            if (e === null) {
              return isExpiredAt(entries, i)
                ? { key: body.keys[i]!, found: false, expired: true }
                : { key: body.keys[i]!, found: false };
            }
            found++;
            return { key: e.key, found: true, data: e.value, metadata: entryMetadata(e) };
          });
          metrics.lookup(tenant!, found, entries.length - found);
          return { body: { data: { items }, metadata: { operation: 'get', count, found } } };
        }
        if (body.operation === 'set') {
          const entries = await writeEntries(
            client,
            tenant!,
            body.items.map((i) => writeRequestOf(i)),
            c.get('correlationId'),
          );
          const items = entries.map((e) => ({ key: e.key, found: true, metadata: writeMetadata(e) }));
          return { body: { data: { items }, metadata: { operation: 'set', count } } };
        }
        const deleted = await client.transport.kvDelete(tenant!, body.keys.map(assertCacheKey), {
          correlationId: c.get('correlationId'),
        });
        return { body: { data: { deleted }, metadata: { operation: 'delete', count } } };
      },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v2/cache/stats',
    operation: 'stats',
    summary: "The tenant's key count, hits and misses",
    tag: V2_TAG,
    access: 'cache:read',
    tenant: 'header',
    params: {},
    response: { status: 200, schema: named('V2Stats', V2Stats) },
    errors: [400],
    envelope: 'v2',
    handler:
      ({ client }) =>
      async ({ tenant }) => ({
        body: { data: await client.forTenant(tenant!).stats(), metadata: { timestamp: now() } },
      }),
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v2/cache/health',
    operation: 'health',
    summary: 'Backend health (503 when unreachable)',
    tag: V2_TAG,
    access: 'any token',
    tenant: 'none',
    params: {},
    response: { status: 200, schema: named('V2Simple', V2Simple) },
    errors: [503],
    envelope: 'v2',
    handler: (deps) => async () => {
      const { body, healthy } = await healthBody(deps);
      return { body: { data: body, metadata: { timestamp: now() } }, status: healthy ? 200 : 503 };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v2/cache/pattern/{pattern}',
    operation: 'listKeys',
    summary: "The tenant's live keys matching a glob, a page at a time",
    tag: V2_TAG,
    access: 'cache:read',
    tenant: 'header',
    params: { pattern: PARAM.pattern },
    query: V2ListQuery,
    response: { status: 200, schema: named('V2KeyPage', V2KeyPage) },
    errors: [400],
    envelope: 'v2',
    handler:
      ({ client }) =>
      async ({ tenant, params: { pattern }, query: q }) => {
        const page = await client
          .forTenant(tenant!)
          .listKeys(pattern, { limit: q.limit, cursor: q.cursor ?? null });
        return { body: { data: page, metadata: { pattern, count: page.keys.length } } };
      },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v2/cache/{key}',
    operation: 'get',
    summary:
      'Read a key: 404 CACHE_001 when absent, CACHE_002 when its TTL ran out (keys `stats` and `health` are read through the batch route)',
    tag: V2_TAG,
    access: 'cache:read',
    tenant: 'header',
    params: key,
    response: { status: 200, schema: named('V2Entry', V2Entry) },
    errors: [304, 400, 404],
    envelope: 'v2',
    handler:
      (deps) =>
      async ({ tenant, params: { key } }) => {
        const entry = await lookupV2(deps, tenant!, key);
        return entryReply(entry, { key, data: entry.value, metadata: entryMetadata(entry) });
      },
  }),
  defineRoute({
    method: 'PUT',
    path: '/api/v2/cache/{key}',
    operation: 'set',
    summary:
      'Set a key (plain `{value, ttl, options}` or `{"cache_request": {key, value, ttl, options}}`); 201 when new, 200 when replaced; 507 CACHE_003 when Redis is out of memory',
    tag: V2_TAG,
    access: 'cache:write',
    tenant: 'header',
    params: key,
    body: named('V2SetRequest', V2SetBody),
    response: { status: 201, schema: named('V2SetResponse', V2SetResponse) },
    errors: [400, 413, 507],
    envelope: 'v2',
    handler:
      ({ client }) =>
      async ({ c, tenant, params: { key }, body }) => {
        const [entry] = await writeEntries(
          client,
          tenant!,
          [writeRequestOf(body, key)],
          c.get('correlationId'),
        );
        return {
          body: { key, data: null, metadata: writeMetadata(entry!) },
          status: entry!.version === 1 ? 201 : 200,
          headers: { location: entryLocation('/api/v2/cache', key) },
        };
      },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/api/v2/cache/{key}',
    operation: 'delete',
    summary: 'Delete a key',
    tag: V2_TAG,
    access: 'cache:delete',
    tenant: 'header',
    params: key,
    response: { status: 200, schema: named('V2DeleteResponse', V2DeleteResponse) },
    errors: [400, 404],
    envelope: 'v2',
    handler:
      ({ client }) =>
      async ({ c, tenant, params: { key } }) => {
        if (!(await client.forTenant(tenant!).delete(key, { correlationId: c.get('correlationId') }))) {
          throw new NotFoundError(`key ${key} not found`);
        }
        return { body: { key, data: { deleted: true }, metadata: { deleted_at: now() } } };
      },
  }),
];
