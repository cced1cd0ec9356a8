import type { CacheClient } from '@org/cache-client';
import { clientSettingsOf, createServiceCacheClient } from '@org/service-kit';
import type { Hono } from 'hono';
import { createApp } from './app.js';
import { Authenticator } from './auth/authenticator.js';
import { loadDemoData } from './demo-data.js';
import type { ApiEnv } from './env.js';
import type { AppEnv } from './http/context.js';
import { type HubRunner, hubSettingsOf, runHub } from './hub/index.js';
import { installKvCodec } from './kv-codec-setup.js';
import { authFailureGuard } from './limits/auth-failures.js';
import type { ApiLimits } from './limits/limits.js';
import type { Logger } from './logger.js';
import { ApiMetrics } from './metrics.js';

export interface Backend {
  client: CacheClient;
  kind: 'memory' | 'redis' | 'redis-cluster';
}

/**
 * The CacheClient the env asks for (the shared factory of `@org/service-kit`): Redis Cluster, Redis,
 * or (neither set) the embedded memory store; key prefix, TTL and outbox from the common settings.
 */
export function createBackend(env: ApiEnv, logger: Logger): Backend {
  const client = createServiceCacheClient(clientSettingsOf(env), {
    logger,
    redisOptions: { commandTimeout: env.REDIS_COMMAND_TIMEOUT_MS },
    nearCache: env.NEAR_CACHE_MAX_BYTES > 0 ? { maxBytes: env.NEAR_CACHE_MAX_BYTES } : undefined,
    client: {
      defaultTtlSeconds: env.CACHE_DEFAULT_TTL === 0 ? null : env.CACHE_DEFAULT_TTL,
      maxValueBytes: env.CACHE_MAX_VALUE_BYTES,
      /** Readings and metadata stamped further in the future are refused (the same bound as `ApiLimits`). */
      maxFutureSkewMs: env.MAX_FUTURE_SKEW * 1000,
    },
  });
  return { client, kind: client.transport.kind as Backend['kind'] };
}

/** The API's limits from the env. */
export function limitsOf(env: ApiEnv): ApiLimits {
  return {
    rateLimit: env.RATE_LIMIT_ENABLED
      ? { requests: env.RATE_LIMIT_REQUESTS, windowSeconds: env.RATE_LIMIT_WINDOW_SECONDS }
      : null,
    authFailureLimit:
      env.AUTH_FAILURE_LIMIT > 0
        ? { requests: env.AUTH_FAILURE_LIMIT, windowSeconds: env.AUTH_FAILURE_WINDOW_SECONDS }
        : null,
    maxBodyBytes: env.API_MAX_BODY_BYTES,
    maxBatch: env.API_MAX_BATCH,
    maxReadingsBatch: env.API_MAX_READINGS_BATCH,
    maxFutureSkewMs: env.MAX_FUTURE_SKEW * 1000,
    eventReaders: { perProcess: env.EVENT_READERS_MAX, perCaller: env.EVENT_READERS_PER_CALLER },
  };
}

export interface Bootstrapped {
  app: Hono<AppEnv>;
  client: CacheClient;
  auth: Authenticator;
  backend: Backend['kind'];
  demoDevices: number;
  /** The message hub when NATS is configured (stop it before closing the client). */
  hub: HubRunner | null;
}

/** Everything the server needs, built from the env (logs what it chose). */
export async function bootstrap(
  env: ApiEnv,
  logger: Logger,
  isDraining: () => boolean,
): Promise<Bootstrapped> {
  const limits = limitsOf(env);
  const { client, kind } = createBackend(env, logger);
  let auth: Authenticator;
  try {
    await installKvCodec(client, env);
    auth = await Authenticator.create({
      tokens: env.API_TOKENS,
      tokensFile: env.API_TOKENS_FILE,
      jwt: {
        secret: env.JWT_SECRET,
        publicKey: env.JWT_PUBLIC_KEY,
        publicKeyFile: env.JWT_PUBLIC_KEY_FILE,
        issuer: env.JWT_ISSUER,
        audience: env.JWT_AUDIENCE,
        claims: {
          requireExp: env.JWT_REQUIRE_EXP,
          maxLifetimeSeconds: env.JWT_MAX_LIFETIME,
          clockSkewSeconds: env.JWT_CLOCK_SKEW,
        },
      },
      failures: authFailureGuard(client, limits),
    });
  } catch (error) {
    await client.close();
    throw error;
  }
  let demoDevices = 0;
  if (kind === 'memory') {
    logger.info(
      'no REDIS_URL or REDIS_CLUSTER_NODES: using the embedded in-memory store (data is lost on restart)',
    );
    if (env.DEMO_DATA !== false) {
      demoDevices = await loadDemoData(client);
      logger.info({ devices: demoDevices }, 'preloaded the sample devices (DEMO_DATA=false starts empty)');
    }
  } else if (env.DEMO_DATA === true) {
    logger.info('DEMO_DATA ignored: nothing is preloaded when Redis is configured');
  }
  if (auth.enabled) logger.info(auth.summary(), 'authentication on');
  else {
    logger.warn(
      'AUTHENTICATION IS OFF: no API_TOKENS, API_TOKENS_FILE, JWT_SECRET or JWT_PUBLIC_KEY is set, so every route is open. ' +
        'Fine on a laptop; never expose this server.',
    );
  }
  const metrics = new ApiMetrics({
    defaultMetrics: true,
    tenants: env.METRICS_TENANTS,
    nodeRefreshSeconds: env.METRICS_NODE_REFRESH_SECONDS,
  });
  const app = createApp({
    client,
    auth,
    logger,
    metrics,
    limits,
    corsOrigins: env.CORS_ORIGINS,
    docsPublic: env.API_DOCS_PUBLIC,
    isDraining,
  });
  const hubSettings = hubSettingsOf(env);
  const hub = hubSettings
    ? runHub({ client, settings: hubSettings, logger, reload: () => auth.reload() })
    : null;
  if (!hubSettings) logger.info('message hub off (no NATS_URL, or ENABLE_NATS=false)');
  return { app, client, auth, backend: kind, demoDevices, hub };
}
