import { context, propagation, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  type SpanExporter,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { TracingSettings } from './settings.js';

/** An app's tracing state: `on` is what its hot paths test (one property read) before any span. */
export interface TracingState {
  on: boolean;
  tracer: Tracer;
}

export interface TracingHandle {
  /** Exports what is buffered. */
  flush(): Promise<void>;
  /** Flushes, then stops tracing (`on` is false again). */
  shutdown(): Promise<void>;
}

export interface StartTracingOptions {
  version?: string;
  /** Instead of the OTLP exporter (tests). */
  exporter?: SpanExporter;
}

/** What differs between the apps: their tracer's name and how many spans may wait for export. */
export interface ServiceTracingOptions extends StartTracingOptions {
  tracerName: string;
  /** Spans waiting in memory at most; more are dropped, never queued without end. */
  maxQueueSize: number;
  /** Spans per export request (default the SDK's, 512). */
  maxExportBatchSize?: number;
}

/** The sampler `OTEL_TRACES_SAMPLER` names. */
export function samplerOf(settings: Pick<TracingSettings, 'sampler' | 'ratio'>): Sampler {
  switch (settings.sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(settings.ratio);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.ratio) });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

/**
 * Starts tracing for this process when `settings.enabled` (else returns null and nothing changes):
 * a tracer provider with a bounded batch span processor exporting OTLP/HTTP (JSON) to
 * `settings.url`, the AsyncLocalStorage context manager and the W3C trace-context propagator (so
 * the client's HTTP transport sends `traceparent`), then `state.on = true`. Call before the app
 * starts serving.
 */
export function startServiceTracing(
  settings: TracingSettings,
  state: TracingState,
  options: ServiceTracingOptions,
): TracingHandle | null {
  if (!settings.enabled) return null;
  const exporter =
    options.exporter ??
    new OTLPTraceExporter({ url: settings.url, headers: settings.headers, timeoutMillis: 10_000 });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: settings.serviceName,
      ...(options.version ? { [ATTR_SERVICE_VERSION]: options.version } : {}),
    }),
    sampler: samplerOf(settings),
    spanProcessors: [
      new BatchSpanProcessor(exporter, {
        maxQueueSize: options.maxQueueSize,
        ...(options.maxExportBatchSize ? { maxExportBatchSize: options.maxExportBatchSize } : {}),
        scheduledDelayMillis: 1_000,
      }),
    ],
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  state.tracer = provider.getTracer(options.tracerName, options.version);
  state.on = true;
  return {
    flush: () => provider.forceFlush(),
    shutdown: async () => {
      state.on = false;
      await provider.shutdown();
      propagation.disable();
      context.disable();
    },
  };
}
