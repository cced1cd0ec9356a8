import { JsonValue } from '@org/cache-core';
import { z } from 'zod';
import type { AnyRoute, Named } from './route-table/route.js';
import { ErrorEnvelopeSchema } from './schemas/common.js';

type Json = Record<string, unknown>;

const ERROR_TEXT: Record<number, string> = {
  304: 'Not modified (If-None-Match matched the ETag)',
  400: 'Bad input (CACHE_004 invalid key, id, tenant or glob; CACHE_007 invalid body, query, cursor, nesting or timestamp)',
  401: 'Missing or invalid credentials (AUTH_001)',
  403: 'Missing scope or tenant (AUTH_002)',
  404: 'Not found (CACHE_001), or expired (CACHE_002)',
  413: 'Body, batch or value too large (CACHE_008)',
  429: 'Rate limited (CACHE_009); see Retry-After',
  503: 'Backend unreachable (CACHE_006)',
  504: 'Backend timed out (CACHE_005)',
  507: 'Storage full: Redis refused the write for memory (CACHE_003)',
};

const JSON_SCHEMA = { unrepresentable: 'any', target: 'draft-2020-12' } as const;
const COMPONENTS = '#/components/schemas/';
const ref = (name: string) => ({ $ref: `${COMPONENTS}${name}` });

/** An inline schema (query and path parameters: plain strings, no references). */
function inline(schema: z.ZodType): Json {
  const json = z.toJSONSchema(schema, { ...JSON_SCHEMA, io: 'input' }) as Json;
  delete json.$schema;
  return json;
}

/**
 * Every named schema as a component, in one conversion per direction: a schema used inside another
 * is a `$ref` to its component, and recursive ones (JSON values) refer to `JsonValue`, never to a
 * `$defs` that would not exist at the document's root.
 */
function components(routes: readonly AnyRoute[]): Json {
  const byName = new Map<string, { schema: z.ZodType; io: 'input' | 'output' }>();
  const add = (n: Named, io: 'input' | 'output') => {
    const known = byName.get(n.name);
    if (known && (known.schema !== n.schema || known.io !== io)) {
      throw new Error(`two different schemas are named ${n.name} in the route table`);
    }
    byName.set(n.name, { schema: n.schema, io });
  };
  add({ name: 'ErrorEnvelope', schema: ErrorEnvelopeSchema }, 'output');
  for (const route of routes) {
    if (route.body) add(route.body, 'input');
    if (route.response.schema) add(route.response.schema, 'output');
  }
  const out: Json = {};
  for (const io of ['input', 'output'] as const) {
    const registry = z.registry<{ id: string }>();
    registry.add(JsonValue, { id: 'JsonValue' });
    for (const [name, entry] of byName) if (entry.io === io) registry.add(entry.schema, { id: name });
    const { schemas } = z.toJSONSchema(registry, {
      ...JSON_SCHEMA,
      io,
      uri: (id) => `${COMPONENTS}${id}`,
    }) as { schemas: Record<string, Json> };
    for (const [name, schema] of Object.entries(schemas)) {
      delete schema.$schema;
      delete schema.$id;
      out[name] = schema;
    }
  }
  // A JSON value is recursive, which generated clients cannot always type (TS2502): described one
  // level deep, where any JSON is allowed.
  out.JsonValue = {
    description: 'Any JSON value',
    anyOf: [
      { type: 'string' },
      { type: 'number' },
      { type: 'boolean' },
      { type: 'null' },
      { type: 'array', items: {} },
      { type: 'object', additionalProperties: {} },
    ],
  };
  return out;
}

function accessText(route: AnyRoute): string {
  if (route.scopeByBody) {
    const { field, scopes } = route.scopeByBody;
    const parts = Object.entries(scopes).map(([value, scope]) => `${scope} (${field} ${value})`);
    return `Needs: ${parts.join(', ')}.`;
  }
  if (route.access === 'none') return 'Open.';
  if (route.access === 'any token')
    return route.publicWithDocs ? 'Any token (open with API_DOCS_PUBLIC).' : 'Any token.';
  return `Needs: ${route.access}.`;
}

function operation(route: AnyRoute): Json {
  const parameters: Json[] = [];
  for (const [name, param] of Object.entries(route.params as Record<string, { schema: z.ZodType }>)) {
    const schema = inline(param.schema);
    parameters.push({ name, in: 'path', required: true, schema, description: schema.description });
  }
  if (route.tenant !== 'none') {
    parameters.push({
      name: 'X-Tenant-ID',
      in: 'header',
      required: route.tenant !== 'header-or-all',
      description:
        route.tenant === 'header-or-all'
          ? 'The tenant to flush; not needed with `{"scope": "all"}`'
          : 'The tenant',
      schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', maxLength: 64 },
    });
  }
  if (route.query) {
    for (const [name, field] of Object.entries((route.query as z.ZodObject).shape)) {
      const schema = inline(field as z.ZodType);
      parameters.push({ name, in: 'query', required: false, schema, description: schema.description });
    }
  }
  const ok = route.response;
  const content = ok.schema
    ? { 'application/json': { schema: ref(ok.schema.name) } }
    : ok.contentType
      ? { [ok.contentType]: { schema: { type: 'string' } } }
      : undefined;
  const responses: Json = {
    [ok.status]: content
      ? { description: ok.description ?? 'OK', content }
      : { description: ok.description ?? 'OK' },
  };
  const errorStatuses = new Set<number>([
    ...(route.errors ?? []),
    ...(route.access === 'none' ? [] : [401, 403, 429]),
    ...(route.tenant === 'none' ? [] : [400]),
    ...(Object.keys(route.params).length > 0 || route.query ? [400] : []),
    ...(route.body ? [400, 413] : []),
    ...(route.access === 'none' ? [] : [503, 504]),
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
    operationId: operationId(route),
    summary: route.summary,
    description: accessText(route),
    tags: [route.tag],
    parameters,
    responses,
  };
  if (route.access === 'none') op.security = [];
  if (route.body) {
    op.requestBody = {
      required: !route.bodyOptional,
      content: { 'application/json': { schema: ref(route.body.name) } },
    };
  }
  return op;
}

/** A unique id per route: the operation, qualified by the API version when two routes share it. */
function operationId(route: AnyRoute): string {
  const version = /^\/api\/(v\d)\//.exec(route.path)?.[1];
  return version ? `${version}_${route.operation}` : route.operation;
}

/** The OpenAPI 3.1 document of the routes, built from the table's zod schemas. */
export function buildOpenApi(routes: readonly AnyRoute[], version: string): Json {
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = operation(route);
  }
  const tags = [...new Set(routes.map((r) => r.tag))].map((name) => ({ name }));
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
    tags,
    paths,
    components: {
      schemas: components(routes),
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Static API token or JWT (HS256/RS256)' },
      },
    },
  };
}
