import type { HealthStatus } from '@org/cache-core';
import type { Hono } from 'hono';
import type { AppEnv } from '../http/context.js';
import { json } from '../http/respond.js';
import type { RouteDeps } from './deps.js';

export interface HealthBody extends HealthStatus {
  version: string;
  uptime_seconds: number;
  auth: 'on' | 'off';
}

/** The backend's health, with the API's own facts; `healthy` is false when the backend is unreachable. */
export async function healthBody(deps: RouteDeps): Promise<{ body: HealthBody; healthy: boolean }> {
  const health = await deps.client.checkHealth();
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

/** Liveness is registered before authentication (it is the one open route); the others after. */
export function registerLiveness(app: Hono<AppEnv>, deps: RouteDeps): void {
  app.get('/health/live', (c) =>
    json(c, {
      status: 'alive',
      timestamp: new Date().toISOString(),
      uptime_seconds: Math.round((Date.now() - deps.startedAt) / 1000),
    }),
  );
}

export function registerHealth(app: Hono<AppEnv>, deps: RouteDeps): void {
  app.get('/health', async (c) => {
    c.set('operation', 'health');
    const { body, healthy } = await healthBody(deps);
    return json(c, body, healthy ? 200 : 503);
  });

  app.get('/health/ready', async (c) => {
    c.set('operation', 'ready');
    if (deps.isDraining()) {
      return json(
        c,
        { ready: false, status: 'unhealthy', message: 'shutting down', timestamp: new Date().toISOString() },
        503,
      );
    }
    const health = await deps.client.checkHealth();
    const ready = health.status !== 'unhealthy';
    return json(c, { ready, ...health }, ready ? 200 : 503);
  });
}
