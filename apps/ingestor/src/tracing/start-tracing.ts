import {
  type StartTracingOptions,
  startServiceTracing,
  type TracingHandle,
  type TracingSettings,
} from '@org/service-kit';
import { tracing } from './state.js';

export type { TracingHandle } from '@org/service-kit';

/**
 * The ingestor's tracing (`startServiceTracing` with its tracer, `tracing` of `state.ts`): at most
 * 16,384 spans (a few chunks' messages) wait in memory, exported 1,024 at a time; more are
 * dropped. Call before `startIngestor`.
 */
export function startTracing(
  settings: TracingSettings,
  options: StartTracingOptions = {},
): TracingHandle | null {
  return startServiceTracing(settings, tracing, {
    ...options,
    tracerName: 'cache-ingestor',
    maxQueueSize: 16_384,
    maxExportBatchSize: 1_024,
  });
}
