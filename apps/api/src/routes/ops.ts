import type { Hono } from 'hono';
import { requireScope } from '../auth/middleware.js';
import type { AppEnv } from '../http/context.js';
import { respond } from '../http/respond.js';
import { buildOpenApi, SWAGGER_HTML } from '../openapi.js';
import type { RouteDeps } from './deps.js';

/** `/openapi.json` and `/docs` (Swagger UI from a CDN). */
export function registerDocs(app: Hono<AppEnv>, deps: RouteDeps): void {
  let document: string | null = null;
  app.get('/openapi.json', (c) => {
    document ??= JSON.stringify(buildOpenApi(deps.version));
    return respond(c, 200, document, { 'content-type': 'application/json' });
  });
  app.get('/docs', (c) => respond(c, 200, SWAGGER_HTML, { 'content-type': 'text/html; charset=utf-8' }));
}

/** Prometheus `/metrics`, behind `metrics:read` when auth is on. */
export function registerMetrics(app: Hono<AppEnv>, deps: RouteDeps): void {
  app.get('/metrics', async (c) => {
    requireScope(c, 'metrics:read');
    const text = await deps.metrics.registry.metrics();
    return respond(c, 200, text, { 'content-type': deps.metrics.registry.contentType });
  });
}
