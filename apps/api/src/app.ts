import type { CacheClient } from '@org/cache-client';
import { RedisTransport } from '@org/cache-client/transports';
import { NotFoundError, TooLargeError } from '@org/cache-core';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import pino from 'pino';
import { Authenticator } from './auth/authenticator.js';
import { authenticate } from './auth/middleware.js';
import { SharedFeed } from './events/shared-feed.js';
import type { AppEnv } from './http/context.js';
import { errorHandler, errorResponse } from './http/errors.js';
import { observe } from './http/observe.js';
import { DEFAULT_SSE } from './http/sse-stream.js';
import { EventReaderSlots } from './limits/event-readers.js';
import { type ApiLimits, DEFAULT_LIMITS } from './limits/limits.js';
import { rateLimit } from './limits/middleware.js';
import { MemoryRateLimiter, type RateLimiter } from './limits/rate-limiter.js';
import { RedisRateLimiter } from './limits/redis-rate-limiter.js';
import type { Logger } from './logger.js';
import { ApiMetrics } from './metrics.js';
import { registerRoutes } from './route-table/registrar.js';
import type { AnyRoute } from './route-table/route.js';
import { API_ROUTES } from './route-table/table.js';
import type { RouteDeps } from './routes/deps.js';
import { tracing } from './tracing/state.js';
import { traceClient } from './tracing/traced-client.js';

export const API_VERSION = '0.1.0';

export interface CreateAppOptions {
  client: CacheClient;
  /** Default: open (no credentials needed). */
  auth?: Authenticator;
  limits?: Partial<ApiLimits>;
  /** Default: silent. */
  logger?: Logger;
  metrics?: ApiMetrics;
  /** Default: Redis-backed when the client is on Redis, else in memory. */
  rateLimiter?: RateLimiter;
  /** Origins allowed by CORS (`*` for any); empty: no CORS. */
  corsOrigins?: readonly string[];
  /** Serve /docs and /openapi.json without a token. */
  docsPublic?: boolean;
  isDraining?: () => boolean;
  /** Default: every route of the API (`API_ROUTES`). */
  routes?: readonly AnyRoute[];
}

/** The rate limiter that shares counts between API instances when they share a Redis. */
export function defaultRateLimiter(client: CacheClient, limits: ApiLimits): RateLimiter | null {
  if (limits.rateLimit === null) return null;
  const transport = client.transport;
  if (transport instanceof RedisTransport)
    return new RedisRateLimiter(transport.redis, transport.keys, limits.rateLimit);
  return new MemoryRateLimiter(limits.rateLimit);
}

/** The whole API as a Hono app over a `CacheClient`; no I/O of its own (pure, testable with `app.request()`). */
export function createApp(options: CreateAppOptions): Hono<AppEnv> {
  const limits: ApiLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const logger = options.logger ?? pino({ level: 'silent' });
  const metrics = options.metrics ?? new ApiMetrics();
  const auth = options.auth ?? Authenticator.open();
  // one span per client call while tracing is on (`startTracing` ran first); the transport stays the same object
  const client = tracing.on ? traceClient(options.client) : options.client;
  const deps: RouteDeps = {
    client,
    auth,
    limits,
    eventReaders: new EventReaderSlots(limits.eventReaders),
    feed: new SharedFeed(client, DEFAULT_SSE.maxBufferedEvents),
    logger,
    metrics,
    version: API_VERSION,
    startedAt: Date.now(),
    isDraining: options.isDraining ?? (() => false),
    routes: options.routes ?? API_ROUTES,
  };
  // Open routes are served before authentication; every other route after it, the limits and the body cap.
  const open = (r: AnyRoute) =>
    r.access === 'none' || (r.publicWithDocs === true && options.docsPublic === true);
  const limiter = options.rateLimiter ?? defaultRateLimiter(options.client, limits);

  const app = new Hono<AppEnv>();
  app.onError(errorHandler(logger, metrics));
  app.notFound((c) => errorResponse(c, new NotFoundError(`no route for ${c.req.method} ${c.req.path}`)));

  app.use('*', observe(logger, metrics));
  if (options.corsOrigins && options.corsOrigins.length > 0) {
    const origins = [...options.corsOrigins];
    app.use(
      '*',
      cors({
        origin: origins.includes('*') ? '*' : origins,
        allowHeaders: [
          'Authorization',
          'Content-Type',
          'X-Tenant-ID',
          'X-Request-ID',
          'X-Correlation-ID',
          'If-None-Match',
        ],
        allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
        exposeHeaders: [
          'ETag',
          'Location',
          'Retry-After',
          'X-Request-ID',
          'X-Correlation-ID',
          'RateLimit-Limit',
          'RateLimit-Remaining',
          'RateLimit-Reset',
        ],
        maxAge: 600,
      }),
    );
  }

  registerRoutes(app, deps.routes.filter(open), deps);
  app.use('*', authenticate(auth));
  const limitBody = bodyLimit({
    maxSize: limits.maxBodyBytes,
    onError: (c) =>
      errorResponse(c, new TooLargeError(`the request body is larger than ${limits.maxBodyBytes} bytes`)),
  });
  // Only where a body can come: touching the body of a GET would build a full WHATWG Request.
  app.use('*', (c, next) =>
    c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : limitBody(c, next),
  );
  if (limiter) app.use('/api/*', rateLimit(limiter, logger, metrics));

  registerRoutes(
    app,
    deps.routes.filter((r) => !open(r)),
    deps,
  );
  return app;
}
