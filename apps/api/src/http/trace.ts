import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Context, Next } from 'hono';
import { CORRELATION_ATTRIBUTE, CORRELATION_KEY, REQUEST_ID_ATTRIBUTE, tracing } from '../tracing/state.js';
import { type AppEnv, requestHeader } from './context.js';
import { routeLabel } from './route-label.js';

/** Reads `traceparent` / `tracestate` from the request (Node's parsed headers when served by node). */
const headerGetter = {
  keys: () => ['traceparent', 'tracestate'],
  get: (carrier: Parameters<typeof requestHeader>[0], key: string) => requestHeader(carrier, key),
};

/**
 * Runs the rest of the request (`next`) inside one SERVER span, named after the route pattern
 * (`GET /api/devices/:device_id`, never the path, which holds ids and keys), child of the caller's
 * `traceparent` when it sent one, with the request's correlation and request ids as attributes.
 * Spans started while the request runs (the client's calls) are its children and read the
 * correlation id from the context. `observe` calls it only while `tracing.on`.
 */
export async function runTraced(c: Context<AppEnv>, next: Next): Promise<void> {
  const parent = propagation.extract(ROOT_CONTEXT, c, headerGetter);
  const method = c.req.method;
  const correlationId = c.get('correlationId');
  const span = tracing.tracer.startSpan(
    method,
    {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': method,
        [CORRELATION_ATTRIBUTE]: correlationId,
        [REQUEST_ID_ATTRIBUTE]: c.get('requestId'),
      },
    },
    parent,
  );
  const ctx = trace.setSpan(parent, span).setValue(CORRELATION_KEY, correlationId);
  try {
    await context.with(ctx, next);
  } finally {
    const route = routeLabel(c);
    const status = c.res.status;
    span.updateName(`${method} ${route}`);
    span.setAttribute('http.route', route);
    span.setAttribute('http.response.status_code', status);
    const operation = c.get('operation');
    if (operation !== undefined) span.setAttribute('cache.operation', operation);
    const tenant = c.get('tenant');
    if (tenant !== undefined) span.setAttribute('cache.tenant', tenant);
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  }
}
