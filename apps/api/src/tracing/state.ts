import { type Context, createContextKey, type Tracer, trace } from '@opentelemetry/api';

/**
 * Whether this process traces, and its tracer. `false` until `startTracing` ran: every call site
 * tests `tracing.on` (one property read) before touching the OpenTelemetry API, so a process
 * without tracing pays nothing more on its hot paths.
 */
export const tracing: { on: boolean; tracer: Tracer } = {
  on: false,
  tracer: trace.getTracer('cache-api'),
};

/** The span attribute (and log field) carrying a request's correlation id. */
export const CORRELATION_ATTRIBUTE = 'correlation_id';
/** The span attribute carrying a request's id. */
export const REQUEST_ID_ATTRIBUTE = 'request_id';

/** The correlation id of the request a context belongs to, for the spans started under it. */
export const CORRELATION_KEY = createContextKey('cache-api.correlation_id');

export function correlationIdOf(ctx: Context): string | undefined {
  return ctx.getValue(CORRELATION_KEY) as string | undefined;
}
