import { type Tracer, trace } from '@opentelemetry/api';

/**
 * Whether this process traces, and its tracer. `false` until `startTracing` ran: the pipeline tests
 * `tracing.on` (one property read) before touching the OpenTelemetry API, so an ingestor without
 * tracing pays nothing more per chunk.
 */
export const tracing: { on: boolean; tracer: Tracer } = {
  on: false,
  tracer: trace.getTracer('cache-ingestor'),
};

/** The span attribute carrying a message's correlation id (its `request_id`, else its origin). */
export const CORRELATION_ATTRIBUTE = 'correlation_id';
