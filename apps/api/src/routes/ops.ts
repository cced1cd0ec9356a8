import { respond } from '../http/respond.js';
import { buildOpenApi } from '../openapi.js';
import { defineRoute } from '../route-table/route.js';
import { DOCS_ASSET_PARAM, DOCS_HEADERS, DOCS_HTML, docsAsset } from './docs-page.js';
import { OPS_TAG } from './health.js';

/** `/openapi.json`, `/docs` (Swagger UI, every file served by the API itself) and Prometheus `/metrics`. */
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
      ({ metrics }) =>
      async ({ c }) =>
        respond(c, 200, await metrics.registry.metrics(), { 'content-type': metrics.registry.contentType }),
  }),
];
