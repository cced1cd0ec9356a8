import type { Hono } from 'hono';
import { requireScope } from '../auth/middleware.js';
import type { AppEnv } from '../http/context.js';
import { buildOpenApi, SWAGGER_HTML } from '../openapi.js';
import type { RouteDeps } from './deps.js';

/** `/openapi.json` and `/docs` (Swagger UI from a CDN). */
export function registerDocs(app: Hono<AppEnv>, deps: RouteDeps): void {
  let document: string | null = null;
  app.get('/openapi.json', (c) => {
    document ??= JSON.stringify(buildOpenApi(deps.version));
    return c.body(document, 200, { 'Content-Type': 'application/json' });
  });
  app.get('/docs', (c) => c.html(SWAGGER_HTML));
}

/** Prometheus `/metrics`, behind `metrics:read` when auth is on. */
export function registerMetrics(app: Hono<AppEnv>, deps: RouteDeps): void {
  app.get('/metrics', async (c) => {
    requireScope(c, 'metrics:read');
    const text = await deps.metrics.registry.metrics();
    return c.body(text, 200, { 'Content-Type': deps.metrics.registry.contentType });
  });
}
