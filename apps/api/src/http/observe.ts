import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../logger.js';
import type { ApiMetrics, RouteMetrics } from '../metrics.js';
import { tracing } from '../tracing/state.js';
import { AccessLog } from './access-log.js';
import { type AppEnv, requestHeader } from './context.js';
import { CLIENT_CLOSED_STATUS } from './errors.js';
import { routeLabel } from './route-label.js';
import { runTraced } from './trace.js';

/** A caller's request id is kept only when it is short and printable. */
const SAFE_ID = /^[A-Za-z0-9._:/@+=-]{1,128}$/;

export { routeLabel } from './route-label.js';

/** What `observe` records a request with, bound once per method and route pattern. */
interface RouteObserver {
  metrics: RouteMetrics;
  /** The access line's writer over a child logger with `method` and `route` bound (serialized once, not per line). */
  access: AccessLog;
}

/**
 * First middleware: takes or makes `X-Request-ID` and `X-Correlation-ID` (which defaults to the
 * request id), echoes both, runs the request in a span while tracing is on (`runTraced`), and after
 * the response records the Prometheus metrics and one JSON
 * access-log line (no path, token or value): `request`, or `client closed` (status 499) when the
 * client disconnected before its request was complete.
 */
export function observe(logger: Logger, metrics: ApiMetrics): MiddlewareHandler<AppEnv> {
  /** By route pattern, then method. */
  const observers = new Map<string, Map<string, RouteObserver>>();
  const observerOf = (method: string, route: string): RouteObserver => {
    let byMethod = observers.get(route);
    if (byMethod === undefined) {
      byMethod = new Map();
      observers.set(route, byMethod);
    }
    let observer = byMethod.get(method);
    if (observer === undefined) {
      observer = {
        metrics: metrics.route(method, route),
        access: new AccessLog(logger.child({ method, route })),
      };
      byMethod.set(method, observer);
    }
    return observer;
  };
  return async (c, next) => {
    const start = performance.now();
    const given = requestHeader(c, 'x-request-id');
    const requestId = given !== undefined && SAFE_ID.test(given) ? given : randomUUID();
    const givenCorrelation = requestHeader(c, 'x-correlation-id');
    const correlated = givenCorrelation !== undefined && SAFE_ID.test(givenCorrelation);
    const correlationId = correlated ? givenCorrelation : requestId;
    c.set('requestId', requestId);
    c.set('correlationId', correlationId);
    c.set('headers', { 'x-request-id': requestId, 'x-correlation-id': correlationId });
    if (tracing.on) await runTraced(c, next);
    else await next();
    if (!c.get('responded')) {
      // An answer not built by `respond` (CORS preflight, a library middleware): add the headers now.
      for (const [name, value] of Object.entries(c.get('headers'))) c.res.headers.set(name, value);
    }
    const seconds = (performance.now() - start) / 1000;
    const observer = observerOf(c.req.method, routeLabel(c));
    const status = c.res.status;
    observer.metrics.observe(status, seconds);
    const operation = c.get('operation');
    if (operation !== undefined) metrics.icd.observeLatency(operation, seconds);
    if (observer.access.enabled) {
      // The client went away mid-request (499): its one line, at info (not an error of ours).
      observer.access.write({
        requestId,
        correlationId,
        status,
        ms: Math.round(seconds * 100_000) / 100,
        principal: c.get('principal')?.id,
        tenant: c.get('tenant') ?? undefined,
        clientClosed: status === CLIENT_CLOSED_STATUS,
      });
    }
  };
}
