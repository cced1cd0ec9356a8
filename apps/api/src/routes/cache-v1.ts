import { type JsonValue, NotFoundError } from '@org/cache-core';
import { PARAM } from '../route-table/params.js';
import { defineRoute, named } from '../route-table/route.js';
import {
  V1CountResponse,
  V1DeleteResponse,
  V1Entry,
  V1InvalidateBody,
  V1InvalidateResponse,
  V1SetBody,
  V1SetResponse,
} from '../schemas/cache.js';
import { entryLocation, entryReply, lookupEntry } from './entries.js';

export const V1_TAG = 'Generic cache v1';

/** The seed's generic cache: tenant from `X-Tenant-ID`, plain JSON answers. */
export const CACHE_V1_ROUTES = [
  defineRoute({
    method: 'POST',
    path: '/api/v1/cache/invalidate',
    operation: 'invalidate',
    summary: "Delete the tenant's keys matching a glob",
    tag: V1_TAG,
    access: 'cache:delete',
    tenant: 'header',
    params: {},
    body: named('V1InvalidateRequest', V1InvalidateBody),
    response: { status: 200, schema: named('V1InvalidateResponse', V1InvalidateResponse) },
    errors: [400],
    envelope: 'plain',
    handler:
      ({ client }) =>
      async ({ c, tenant, body: { pattern } }) => {
        c.set('subjectKey', pattern);
        const deleted = await client
          .forTenant(tenant!)
          .invalidate(pattern, { correlationId: c.get('correlationId') });
        return { body: { tenant, pattern, deleted } };
      },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v1/cache/{key}',
    operation: 'get',
    summary: 'Read a key',
    tag: V1_TAG,
    access: 'cache:read',
    tenant: 'header',
    params: { key: PARAM.key },
    response: { status: 200, schema: named('CacheEntry', V1Entry) },
    errors: [304, 400, 404],
    envelope: 'plain',
    handler:
      (deps) =>
      async ({ tenant, params: { key } }) => {
        const entry = await lookupEntry(deps, tenant!, key);
        return entryReply(entry, entry);
      },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v1/cache',
    operation: 'set',
    summary: 'Set a key ({key, value, ttl}); 201 when new, 200 when replaced',
    tag: V1_TAG,
    access: 'cache:write',
    tenant: 'header',
    params: {},
    body: named('V1SetRequest', V1SetBody),
    response: { status: 201, schema: named('V1SetResponse', V1SetResponse) },
    errors: [400, 413],
    envelope: 'plain',
    handler:
      ({ client }) =>
      async ({ c, tenant, body }) => {
        c.set('subjectKey', body.key);
        const [entry] = await client
          .forTenant(tenant!)
          .setMany([{ key: body.key, value: body.value as JsonValue, ttl: body.ttl }], {
            correlationId: c.get('correlationId'),
          });
        const { value: _value, ...stored } = entry!;
        return {
          body: { ...stored, tenant },
          status: stored.version === 1 ? 201 : 200,
          headers: { location: entryLocation('/api/v1/cache', body.key) },
        };
      },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/api/v1/cache/{key}',
    operation: 'delete',
    summary: 'Delete a key',
    tag: V1_TAG,
    access: 'cache:delete',
    tenant: 'header',
    params: { key: PARAM.key },
    response: { status: 200, schema: named('V1DeleteResponse', V1DeleteResponse) },
    errors: [400, 404],
    envelope: 'plain',
    handler:
      ({ client }) =>
      async ({ c, tenant, params: { key } }) => {
        if (!(await client.forTenant(tenant!).delete(key, { correlationId: c.get('correlationId') })))
          throw new NotFoundError(`key ${key} not found`);
        return { body: { key, deleted: true } };
      },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/api/v1/cache/tenant/{tenant_id}',
    operation: 'clearTenant',
    summary: "Delete every key of a tenant (the caller's own X-Tenant-ID, or any with cache:admin)",
    tag: V1_TAG,
    access: 'cache:delete',
    tenant: 'header+path',
    params: { tenant_id: PARAM.tenantId },
    response: { status: 200, schema: named('V1CountResponse', V1CountResponse) },
    errors: [400],
    envelope: 'plain',
    handler:
      ({ client }) =>
      async ({ c, tenant }) => ({
        body: {
          tenant,
          deleted: await client.forTenant(tenant!).clearTenant({ correlationId: c.get('correlationId') }),
        },
      }),
  }),
];
