import { type CacheClient, type CreateCacheClientOptions, createCacheClient } from '@org/cache-client';
import type { Logger } from 'pino';
import type { CommonSettings } from './settings.js';

type RedisClientOptions = Extract<CreateCacheClientOptions, { transport: 'redis' }>;
/** ioredis options (timeouts, retries, …), passed to every connection. */
export type RedisConnectionSettings = NonNullable<RedisClientOptions['redisOptions']>;

/** Where Redis is: one URL, or Cluster seed nodes; and the password when the URL has none. */
export interface RedisTarget {
  url?: string;
  clusterNodes?: string[];
  password?: string;
}

const hostPort = (node: { host: string; port: number }) =>
  node.host.includes(':') ? `[${node.host}]:${node.port}` : `${node.host}:${node.port}`;

/** A URL that carries credentials (`redis://:pw@host`, `redis://user:pw@host`). */
const hasCredentials = (url: string) => /^rediss?:\/\/[^/]*@/.test(url);

/**
 * The Redis the settings name: `REDIS_CLUSTER_NODES` (a Cluster), `REDIS_URL` (one Redis), or
 * null when neither is set. `REDIS_PASSWORD` goes to every Cluster node, and to a URL only when the
 * URL carries no credentials (the URL says it all).
 */
export function redisTargetOf(settings: CommonSettings): RedisTarget | null {
  const password = settings.REDIS_PASSWORD;
  if (settings.REDIS_CLUSTER_NODES)
    return { clusterNodes: settings.REDIS_CLUSTER_NODES.map(hostPort), password };
  if (settings.REDIS_URL) {
    return { url: settings.REDIS_URL, password: hasCredentials(settings.REDIS_URL) ? undefined : password };
  }
  return null;
}

/** The client's `outbox` option from `OUTBOX_ENABLED`, `OUTBOX_MAX_LENGTH`, `OUTBOX_MAX_AGE_SECONDS`. */
export function outboxOf(settings: CommonSettings): {
  enabled: boolean;
  maxLength: number;
  maxAgeSeconds: number;
} {
  return {
    enabled: settings.OUTBOX_ENABLED,
    maxLength: settings.OUTBOX_MAX_LENGTH,
    maxAgeSeconds: settings.OUTBOX_MAX_AGE_SECONDS,
  };
}

/** Logs Redis connection errors at `warn`, at most one line per `intervalMs` (ioredis reports every failed reconnect). */
export function connectionErrorLog(logger: Logger, intervalMs = 10_000): (error: Error) => void {
  let last = Number.NEGATIVE_INFINITY;
  return (error) => {
    const now = Date.now();
    if (now - last < intervalMs) return;
    last = now;
    logger.warn({ err: { type: error.name, message: error.message } }, 'Redis connection error');
  };
}

/** What the client needs from the settings: where Redis is (none: the memory store), the key prefix, the TTL, the outbox. */
export interface CacheClientSettings extends RedisTarget {
  keyPrefix: string;
  ttlSeconds: number;
  outbox: { enabled: boolean; maxLength: number; maxAgeSeconds: number };
}

/**
 * The client settings of the common settings; `fallback` is the Redis used when the settings name
 * none (the ingestor's `REDIS_HOST`/`REDIS_PORT`/`REDIS_DB`); without it, the memory store.
 */
export function clientSettingsOf(settings: CommonSettings, fallback?: RedisTarget): CacheClientSettings {
  return {
    ...(redisTargetOf(settings) ?? fallback),
    keyPrefix: settings.KEY_PREFIX,
    ttlSeconds: settings.REDIS_METADATA_TTL,
    outbox: outboxOf(settings),
  };
}

export interface ServiceClientOptions {
  /** Connection errors are logged here (at most one line per 10 s). */
  logger?: Logger;
  /** ioredis options of the app (timeouts, retries); the password comes from the settings. */
  redisOptions?: RedisConnectionSettings;
  /** Client options of the app: `maxFutureSkewMs`, `defaultTtlSeconds`, `maxValueBytes`. */
  client?: Pick<CreateCacheClientOptions, 'maxFutureSkewMs' | 'defaultTtlSeconds' | 'maxValueBytes'>;
  /** The near-cache of device metadata (Redis only; the memory store has none). */
  nearCache?: RedisClientOptions['nearCache'];
}

/**
 * The `createCacheClient` options: Redis Cluster (`clusterNodes`), one Redis (`url`), or the memory
 * store (neither); the device TTL and the outbox in every case, the key prefix on Redis.
 */
export function cacheClientOptions(
  settings: CacheClientSettings,
  options: ServiceClientOptions = {},
): CreateCacheClientOptions {
  const common = { ...options.client, ttlSeconds: settings.ttlSeconds, outbox: { ...settings.outbox } };
  if (!settings.url && !settings.clusterNodes) return { transport: 'memory', ...common };
  const redisOptions: RedisConnectionSettings = { ...options.redisOptions };
  if (settings.password !== undefined) redisOptions.password = settings.password;
  return {
    transport: 'redis',
    ...(settings.clusterNodes ? { clusterNodes: [...settings.clusterNodes] } : { url: settings.url }),
    redisOptions,
    keyPrefix: settings.keyPrefix,
    ...(options.logger ? { onConnectionError: connectionErrorLog(options.logger) } : {}),
    ...(options.nearCache ? { nearCache: options.nearCache } : {}),
    ...common,
  };
}

/** `createCacheClient(cacheClientOptions(settings, options))`. */
export function createServiceCacheClient(
  settings: CacheClientSettings,
  options: ServiceClientOptions = {},
): CacheClient {
  return createCacheClient(cacheClientOptions(settings, options));
}
