import {
  CacheEntry,
  CacheInfo,
  DeviceMetadata,
  DevicePage,
  HealthStatus,
  Reading,
  TenantStats,
} from '@org/cache-core';
import { z } from 'zod';
import { D, OPS, ROUTES, type RouteDoc, V1, V2 } from './openapi-routes.js';
import {
  V1CountResponse,
  V1DeleteResponse,
  V1InvalidateBody,
  V1SetBody,
  V1SetResponse,
  V2BatchBody,
  V2BatchResponse,
  V2DeleteResponse,
  V2Entry,
  V2KeyPage,
  V2SetBody,
  V2SetResponse,
  V2Simple,
  V2Stats,
} from './schemas/cache.js';
import { ErrorEnvelopeSchema } from './schemas/common.js';
import {
  DeviceBatchBody,
  DeviceBatchResponse,
  IndexesResponse,
  MetadataBody,
  ReadingsBody,
  ReadingsResponse,
  UpsertResponse,
} from './schemas/devices.js';

type Json = Record<string, unknown>;

const COMPONENTS: Record<string, { schema: z.ZodType; io: 'input' | 'output' }> = {
  ErrorEnvelope: { schema: ErrorEnvelopeSchema, io: 'output' },
  DeviceMetadata: { schema: DeviceMetadata, io: 'output' },
  DeviceMetadataInput: { schema: MetadataBody, io: 'input' },
  Reading: { schema: Reading, io: 'output' },
  DevicePage: { schema: DevicePage, io: 'output' },
  DeviceReadings: { schema: ReadingsResponse, io: 'output' },
  DeviceIndexes: { schema: IndexesResponse, io: 'output' },
  DeviceBatchRequest: { schema: DeviceBatchBody, io: 'input' },
  DeviceBatchResponse: { schema: DeviceBatchResponse, io: 'output' },
  ReadingsBatch: { schema: ReadingsBody, io: 'input' },
  UpsertResult: { schema: UpsertResponse, io: 'output' },
  CacheInfo: { schema: CacheInfo, io: 'output' },
  HealthStatus: { schema: HealthStatus, io: 'output' },
  CacheEntry: { schema: CacheEntry, io: 'output' },
  V1SetRequest: { schema: V1SetBody, io: 'input' },
  V1SetResponse: { schema: V1SetResponse, io: 'output' },
  V1DeleteResponse: { schema: V1DeleteResponse, io: 'output' },
  V1InvalidateRequest: { schema: V1InvalidateBody, io: 'input' },
  V1CountResponse: { schema: V1CountResponse, io: 'output' },
  V2Entry: { schema: V2Entry, io: 'output' },
  V2SetRequest: { schema: V2SetBody, io: 'input' },
  V2SetResponse: { schema: V2SetResponse, io: 'output' },
  V2DeleteResponse: { schema: V2DeleteResponse, io: 'output' },
  V2BatchRequest: { schema: V2BatchBody, io: 'input' },
  V2BatchResponse: { schema: V2BatchResponse, io: 'output' },
  V2KeyPage: { schema: V2KeyPage, io: 'output' },
  V2Stats: { schema: V2Stats, io: 'output' },
  V2Simple: { schema: V2Simple, io: 'output' },
  TenantStats: { schema: TenantStats, io: 'output' },
};

const ERROR_TEXT: Record<number, string> = {
  304: 'Not modified (If-None-Match matched the ETag)',
  400: 'Bad input (CACHE_004 invalid key or id, CACHE_007 invalid body or query)',
  401: 'Missing or invalid credentials (AUTH_001)',
  403: 'Missing scope or tenant (AUTH_002)',
  404: 'Not found (CACHE_001)',
  413: 'Body or batch too large (CACHE_008)',
  429: 'Rate limited (CACHE_009); see Retry-After',
  503: 'Backend unreachable (CACHE_006)',
  504: 'Backend timed out (CACHE_005)',
};

function toSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  delete json.$schema;
  return json;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

function operation(route: RouteDoc): Json {
  const parameters: Json[] = [];
  for (const m of route.path.matchAll(/\{([a-z_]+)\}/g)) {
    parameters.push({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
      description: 'URL-encoded',
    });
  }
  if (route.tenant) {
    parameters.push({
      name: 'X-Tenant-ID',
      in: 'header',
      required: true,
      schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', maxLength: 64 },
    });
  }
  if (route.query) {
    for (const [name, field] of Object.entries(route.query.shape)) {
      const schema = toSchema(field as z.ZodType, 'input');
      parameters.push({ name, in: 'query', required: false, schema, description: schema.description });
    }
  }
  const responses: Json = {
    [route.ok.status]: route.ok.schema
      ? {
          description: route.ok.description ?? 'OK',
          content: { 'application/json': { schema: ref(route.ok.schema) } },
        }
      : { description: route.ok.description ?? 'OK' },
  };
  const errorStatuses = new Set([
    ...(route.errors ?? []),
    ...(route.scope === 'none' ? [] : [401, 403, 429]),
    503,
    504,
  ]);
  for (const status of [...errorStatuses].sort()) {
    responses[status] =
      status === 304
        ? { description: ERROR_TEXT[304] }
        : {
            description: ERROR_TEXT[status] ?? 'Error',
            content: { 'application/json': { schema: ref('ErrorEnvelope') } },
          };
  }
  const op: Json = {
    summary: route.summary,
    tags: [route.tag],
    parameters,
    responses,
    description: route.scope && route.scope !== 'none' ? `Needs: ${route.scope}.` : 'Open.',
  };
  if (route.scope === 'none') op.security = [];
  if (route.body)
    op.requestBody = { required: true, content: { 'application/json': { schema: ref(route.body) } } };
  return op;
}

/** The OpenAPI 3.1 document, built once from the zod schemas. */
export function buildOpenApi(version: string): Json {
  const paths: Record<string, Json> = {};
  for (const route of ROUTES) {
    paths[route.path] ??= {};
    paths[route.path]![route.method] = operation(route);
  }
  const schemas: Json = {};
  for (const [name, { schema, io }] of Object.entries(COMPONENTS)) schemas[name] = toSchema(schema, io);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Device cache API',
      version,
      description:
        'Latest state of IoT devices (metadata and readings per index) and a tenant-scoped key/value cache. ' +
        'Errors: `{error: {code, message, details}}`. Auth (when configured): `Authorization: Bearer <token or JWT>`.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    tags: [{ name: D }, { name: V1 }, { name: V2 }, { name: OPS }],
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Static API token or JWT (HS256/RS256)' },
      },
    },
  };
}

export const SWAGGER_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Device cache API</title>
<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js" crossorigin></script>
<script>
window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', persistAuthorization: true });
</script>
</body>
</html>
`;
