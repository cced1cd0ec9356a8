import { resilienceOf } from '@org/cache-client/resilience';
import { HealthStatus } from '@org/cache-core';
import { z } from 'zod';
import { defineRoute, named } from '../route-table/route.js';
import type { RouteDeps } from './deps.js';

export const OPS_TAG = 'Operations';

export interface HealthBody extends HealthStatus {
  version: string;
  uptime_seconds: number;
  auth: 'on' | 'off';
  /** The client's circuit breaker (`off` without one). */
  breaker: 'closed' | 'open' | 'half-open' | 'off';
}

const REFUSING_MESSAGES = {
  connection_down: 'Redis connection is down (reconnecting); requests answer 503 CACHE_006 at once',
  circuit_open: 'the circuit breaker is open (too many backend failures); requests answer 503 CACHE_006',
} as const;

/**
 * The backend's health: while the client refuses calls at once (connection down, breaker open)
 * it says so without waiting on the backend; otherwise it asks the backend.
 */
async function backendHealth(deps: RouteDeps): Promise<HealthStatus & { breaker: HealthBody['breaker'] }> {
  const guard = resilienceOf(deps.client.transport);
  const state = guard?.state() ?? { breaker: 'off' as const, refusing: null };
  if (state.refusing !== null) {
    return {
      status: 'unhealthy',
      message: REFUSING_MESSAGES[state.refusing],
      timestamp: new Date().toISOString(),
      backend: deps.client.transport.kind,
      breaker: state.breaker,
    };
  }
  return { ...(await deps.client.checkHealth()), breaker: state.breaker };
}

/** The backend's health, with the API's own facts; `healthy` is false when the backend is unreachable. */
export async function healthBody(deps: RouteDeps): Promise<{ body: HealthBody; healthy: boolean }> {
  const health = await backendHealth(deps);
  return {
    body: {
      ...health,
      version: deps.version,
      uptime_seconds: Math.round((Date.now() - deps.startedAt) / 1000),
      auth: deps.auth.enabled ? 'on' : 'off',
    },
    healthy: health.status !== 'unhealthy',
  };
}

const ApiHealth = HealthStatus.extend({
  version: z.string(),
  uptime_seconds: z.number(),
  auth: z.enum(['on', 'off']),
  breaker: z.enum(['closed', 'open', 'half-open', 'off']),
});
const Liveness = z.object({ status: z.literal('alive'), timestamp: z.string(), uptime_seconds: z.number() });
const Readiness = HealthStatus.extend({
  ready: z.boolean(),
  breaker: z.enum(['closed', 'open', 'half-open', 'off']),
})
  .partial()
  .extend({
    ready: z.boolean(),
    status: z.string(),
  });

/** Liveness (the one route served before authentication), health and readiness. */
export const HEALTH_ROUTES = [
  defineRoute({
    method: 'GET',
    path: '/health/live',
    operation: 'live',
    summary: 'Liveness (never needs a token)',
    tag: OPS_TAG,
    access: 'none',
    tenant: 'none',
    params: {},
    response: { status: 200, schema: named('Liveness', Liveness) },
    envelope: 'plain',
    handler: (deps) => () => ({
      body: {
        status: 'alive',
        timestamp: new Date().toISOString(),
        uptime_seconds: Math.round((Date.now() - deps.startedAt) / 1000),
      },
    }),
  }),
  defineRoute({
    method: 'GET',
    path: '/health',
    operation: 'health',
    summary: 'Health of the API and its backend (503 when unreachable)',
    tag: OPS_TAG,
    access: 'any token',
    tenant: 'none',
    params: {},
    response: { status: 200, schema: named('ApiHealth', ApiHealth) },
    errors: [503],
    envelope: 'plain',
    handler: (deps) => async () => {
      const { body, healthy } = await healthBody(deps);
      return { body, status: healthy ? 200 : 503 };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/health/ready',
    operation: 'ready',
    summary: 'Readiness: 503 when the backend is unreachable or during shutdown',
    tag: OPS_TAG,
    access: 'any token',
    tenant: 'none',
    params: {},
    response: { status: 200, schema: named('Readiness', Readiness) },
    errors: [503],
    envelope: 'plain',
    handler: (deps) => async () => {
      if (deps.isDraining()) {
        return {
          body: {
            ready: false,
            status: 'unhealthy',
            message: 'shutting down',
            timestamp: new Date().toISOString(),
          },
          status: 503,
        };
      }
      const health = await backendHealth(deps);
      const ready = health.status !== 'unhealthy';
      return { body: { ready, ...health }, status: ready ? 200 : 503 };
    },
  }),
];
