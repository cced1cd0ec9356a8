import {
  type StartTracingOptions,
  startServiceTracing,
  type TracingHandle,
  type TracingSettings,
} from '@org/service-kit';
import { tracing } from './state.js';

export type { TracingHandle } from '@org/service-kit';

/**
 * The API's tracing (`startServiceTracing` with its tracer, `tracing` of `state.ts`): at most
 * 2,048 spans wait in memory; more are dropped, never queued without end. Call before `createApp`.
 */
export function startTracing(
  settings: TracingSettings,
  options: StartTracingOptions = {},
): TracingHandle | null {
  return startServiceTracing(settings, tracing, { ...options, tracerName: 'cache-api', maxQueueSize: 2_048 });
}
