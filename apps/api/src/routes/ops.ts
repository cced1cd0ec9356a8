import { RedisTransport } from '@org/cache-client/transports';
import { respond } from '../http/respond.js';
import { buildOpenApi } from '../openapi.js';
import { defineRoute } from '../route-table/route.js';
import type { RouteDeps } from './deps.js';
import { DOCS_ASSET_PARAM, DOCS_HEADERS, DOCS_HTML, docsAsset } from './docs-page.js';
import { OPS_TAG } from './health.js';

/** The ICD metrics, refreshed (on their schedule, not per scrape) from the backend's Redis nodes. */
async function icdMetricsText(deps: RouteDeps): Promise<string> {
  const transport = deps.client.transport;
  await deps.metrics.nodeSampler(transport instanceof RedisTransport ? transport.redis : null).touch();
  return deps.metrics.icd.registry.metrics();
}

/**
 * `/openapi.json`, `/docs` (Swagger UI, every file served by the API itself), Prometheus `/metrics`
 * (ours and the ICD's) and `/health/metrics` (the ICD's alone, same scope).
 */
export const OPS_ROUTES = [
  defineRoute({
    method: 'GET',
    path: '/openapi.json',
    operation: 'openapi',
    summary: 'This document (open with API_DOCS_PUBLIC=true)',
    tag: OPS_TAG,
    access: 'any token',
    publicWithDocs: true,
    tenant: 'none',
    params: {},
    response: { status: 200, description: 'The OpenAPI 3.1 document', contentType: 'application/json' },
    envelope: 'plain',
    handler: (deps) => {
      let document: string | null = null;
      return ({ c }) => {
        document ??= JSON.stringify(buildOpenApi(deps.routes, deps.version));
        return respond(c, 200, document, { 'content-type': 'application/json' });
      };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/docs',
    operation: 'docs',
    summary: 'Swagger UI (open with API_DOCS_PUBLIC=true)',
    tag: OPS_TAG,
    access: 'any token',
    publicWithDocs: true,
    tenant: 'none',
    params: {},
    response: { status: 200, description: 'HTML', contentType: 'text/html' },
    envelope: 'plain',
    handler:
      () =>
      ({ c }) =>
        respond(c, 200, DOCS_HTML, { ...DOCS_HEADERS, 'content-type': 'text/html; charset=utf-8' }),
  }),
  defineRoute({
    method: 'GET',
    path: '/docs/{asset}',
    operation: 'docsAsset',
    summary: 'A file of the Swagger UI page (its scripts and styles, from swagger-ui-dist)',
    tag: OPS_TAG,
    access: 'any token',
    publicWithDocs: true,
    tenant: 'none',
    params: { asset: DOCS_ASSET_PARAM },
    response: { status: 200, description: 'CSS, JavaScript or a source map', contentType: 'text/plain' },
    errors: [404],
    envelope: 'plain',
    handler:
      () =>
      async ({ c, params }) => {
        const { contentType, text } = await docsAsset(params.asset);
        return respond(c, 200, text, {
          ...DOCS_HEADERS,
          'content-type': contentType,
          'cache-control': 'max-age=3600',
        });
      },
  }),
  defineRoute({
    method: 'GET',
    path: '/metrics',
    operation: 'metrics',
    summary: 'Prometheus metrics',
    tag: OPS_TAG,
    access: 'metrics:read',
    tenant: 'none',
    params: {},
    response: { status: 200, description: 'Prometheus text format', contentType: 'text/plain' },
    envelope: 'plain',
    handler:
      (deps) =>
      async ({ c }) => {
        const [own, icd] = await Promise.all([deps.metrics.registry.metrics(), icdMetricsText(deps)]);
        return respond(c, 200, `${own}\n${icd}`, { 'content-type': deps.metrics.registry.contentType });
      },
  }),
  defineRoute({
    method: 'GET',
    path: '/health/metrics',
    operation: 'icdMetrics',
    summary:
      "The interface-control document's metrics (cache_hit_rate, cache_latency, cache_memory_usage, cache_node_status, cache_replication_lag), Prometheus text",
    tag: OPS_TAG,
    access: 'metrics:read',
    tenant: 'none',
    params: {},
    response: { status: 200, description: 'Prometheus text format', contentType: 'text/plain' },
    envelope: 'plain',
    handler:
      (deps) =>
      async ({ c }) =>
        respond(c, 200, await icdMetricsText(deps), {
          'content-type': deps.metrics.icd.registry.contentType,
        }),
  }),
];
