import { NEAR_CACHE_MAX_BYTES, NEAR_CACHE_MIN_BYTES } from '@org/cache-client';
import {
  assertTenant,
  DEFAULT_MAX_FUTURE_SKEW_MS,
  describeEnvIssues,
  envBoolean,
  envList,
  type KeyRing,
  MAX_FUTURE_SKEW_SETTING_SECONDS,
  parseKeyRing,
} from '@org/cache-core';
import {
  checkCommonSettings,
  commonSettingsShape,
  presentVariables,
  tracingEnvShape,
} from '@org/service-kit';
import { z } from 'zod';
import { parseTokenList, type StaticToken } from './auth/token-config.js';
import { checkHubEnv, HUB_ENV_SHAPE } from './hub/hub-settings.js';

const MiB = 1024 * 1024;

const isTenant = (tenant: string): boolean => {
  try {
    assertTenant(tenant);
    return true;
  } catch {
    return false;
  }
};

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);

const keyRing = z.string().transform((text, ctx): KeyRing => {
  try {
    return parseKeyRing(text.trim());
  } catch (error) {
    // parseKeyRing's messages never echo key material
    ctx.issues.push({ code: 'custom', message: (error as Error).message, input: '(hidden)' });
    return z.NEVER;
  }
});

const tokenList = z.string().transform((text, ctx): StaticToken[] => {
  try {
    return parseTokenList(text);
  } catch (error) {
    ctx.issues.push({ code: 'custom', message: (error as Error).message, input: '(hidden)' });
    return z.NEVER;
  }
});

/**
 * Every setting of the API, from the environment. Only this file reads `process.env`.
 *
 * The settings every app shares come from `@org/service-kit` (the same names, bounds, defaults
 * and rules in the ingestor): REDIS_URL, REDIS_CLUSTER_NODES (not with REDIS_URL), REDIS_PASSWORD,
 * REDIS_METADATA_TTL, KEY_PREFIX, LOG_LEVEL, LOG_FORMAT, OUTBOX_ENABLED, OUTBOX_MAX_LENGTH,
 * OUTBOX_MAX_AGE_SECONDS. The rest are the API's own.
 */
export const ApiEnv = z
  .object({
    ...commonSettingsShape,
    ...tracingEnvShape,
    /** How often the interface-control document's metrics read each Redis node's INFO while scraped (seconds). */
    METRICS_NODE_REFRESH_SECONDS: int(1, 3_600).default(15),
    /** `false`: the process logs that the API is disabled and exits 0 (for compose profiles). */
    API_ENABLED: envBoolean.default(true),
    API_HOST: z.string().min(1).default('0.0.0.0'),
    API_PORT: int(0, 65_535).default(8080),
    /** A Redis command slower than this fails with CACHE_005 (504). */
    REDIS_COMMAND_TIMEOUT_MS: int(1).default(2_000),
    /** TTL of generic cache entries written without one (seconds; 0: never expire). */
    CACHE_DEFAULT_TTL: int(0).default(3_600),
    CACHE_MAX_VALUE_BYTES: int(1).default(10 * MiB),
    /** Keys of encryption at rest: `id:key,…` (first active; 32-byte keys, base64 or hex) or JSON {active, keys}. */
    CACHE_ENCRYPTION_KEYS: keyRing.optional(),
    /** The same, from a file (read at start). */
    CACHE_ENCRYPTION_KEYS_FILE: z.string().min(1).max(4096).optional(),
    /** Compress values of at least CACHE_COMPRESSION_THRESHOLD bytes when a write does not say. */
    CACHE_COMPRESS_BY_DEFAULT: envBoolean.default(true),
    CACHE_COMPRESSION_THRESHOLD: int(0, 64 * MiB).default(1024),
    /** Algorithm of new compressed values (default zstd where node:zlib has it, else brotli). */
    CACHE_COMPRESSION: z.enum(['zstd', 'brotli']).optional(),
    /** Encrypt when a write does not say (needs a key ring). */
    CACHE_ENCRYPT_BY_DEFAULT: envBoolean.default(false),
    /** How long a `strong` write waits for a replica (ms). */
    CACHE_STRONG_TIMEOUT_MS: int(1, 60_000).default(1_000),
    /** The cache-type policy file (JSON), re-read by POST /api/v2/cache/reload. */
    CACHE_POLICY_FILE: z.string().min(1).max(4096).optional(),

    /** Static tokens: `service_id:token,…` or a JSON array of {service_id, token|token_sha256, scopes, tenants}. */
    API_TOKENS: tokenList.optional(),
    /** A JSON token file ({"tokens": [...]}), re-read by POST /api/v2/cache/reload and SIGHUP. */
    API_TOKENS_FILE: z.string().min(1).optional(),
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    JWT_PUBLIC_KEY: z
      .string()
      .includes('BEGIN PUBLIC KEY', { message: 'must be a PEM public key' })
      .optional(),
    JWT_PUBLIC_KEY_FILE: z.string().min(1).optional(),
    JWT_ISSUER: z.string().min(1).optional(),
    JWT_AUDIENCE: z.string().min(1).optional(),
    /** Refuse JWTs without `exp` (default true; `false` lets a token without exp live forever). */
    JWT_REQUIRE_EXP: envBoolean.default(true),
    /** Longest JWT lifetime accepted, seconds: `exp - iat` (or `exp - now` without `iat`). */
    JWT_MAX_LIFETIME: int(1, 31_536_000).default(86_400),
    /** How far `iat`/`nbf` may be in the future (and `exp` in the past), seconds. */
    JWT_CLOCK_SKEW: int(0, 3_600).default(60),
    /** Failed authentications allowed per client address and window before 429 (0: no limit). */
    AUTH_FAILURE_LIMIT: int(0, 1_000_000).default(20),
    AUTH_FAILURE_WINDOW_SECONDS: int(1, 86_400).default(60),

    RATE_LIMIT_ENABLED: envBoolean.default(true),
    /** Requests per window and subject (the token's service id, else the client address). */
    RATE_LIMIT_REQUESTS: int(1).default(6_000),
    RATE_LIMIT_WINDOW_SECONDS: int(1, 86_400).default(60),
    API_MAX_BODY_BYTES: int(1_024).default(12 * MiB),
    /** Largest id list of POST /api/devices/batch and key list of POST /api/v2/cache/batch. */
    API_MAX_BATCH: int(1, 10_000).default(1_000),
    /** Largest reading list of POST /api/devices/readings. */
    API_MAX_READINGS_BATCH: int(1, 100_000).default(10_000),
    /** Change-feed (SSE) readers served at once by one process (all on one follower of the outbox). */
    EVENT_READERS_MAX: int(1, 10_000).default(256),
    /** Change-feed readers one caller (token, or client address with auth off) may hold on one process. */
    EVENT_READERS_PER_CALLER: int(1, 10_000).default(32),
    /** Origins allowed by CORS, comma-separated (`*` for any); empty: no CORS headers. */
    CORS_ORIGINS: envList.default([]),
    /** Serve /docs and /openapi.json without a token even when auth is on. */
    API_DOCS_PUBLIC: envBoolean.default(false),
    /** Tenants with their own `tenant` label in metrics (comma-separated); every other tenant counts as `other`. */
    METRICS_TENANTS: envList.default([]),
    /** Readings and metadata stamped further than this in the future are refused (seconds). */
    MAX_FUTURE_SKEW: int(0, MAX_FUTURE_SKEW_SETTING_SECONDS).default(DEFAULT_MAX_FUTURE_SKEW_MS / 1000),
    /** Preload the sample devices into the embedded store (default true; never with Redis). */
    DEMO_DATA: envBoolean.optional(),
    SHUTDOWN_TIMEOUT_MS: int(0).default(10_000),
    /** Bytes of device metadata kept in process, invalidated by Redis (0: off; else 1 KiB to 16 GiB). Redis only. */
    NEAR_CACHE_MAX_BYTES: z.coerce
      .number()
      .int()
      .refine((n) => n === 0 || (n >= NEAR_CACHE_MIN_BYTES && n <= NEAR_CACHE_MAX_BYTES), {
        message: `must be 0 (off) or from ${NEAR_CACHE_MIN_BYTES} to ${NEAR_CACHE_MAX_BYTES}`,
      })
      .default(64 * MiB),
    /** The message hub (NATS JetStream): see the README's 'Message hub (NATS)'. */
    ...HUB_ENV_SHAPE,
  })
  .superRefine((env, ctx) => {
    checkCommonSettings(env, ctx);
    checkHubEnv(env, ctx);
    env.METRICS_TENANTS.forEach((tenant, i) => {
      if (!isTenant(tenant))
        ctx.addIssue({ code: 'custom', path: ['METRICS_TENANTS', i], message: 'not a valid tenant id' });
    });
    if (env.CACHE_ENCRYPTION_KEYS && env.CACHE_ENCRYPTION_KEYS_FILE) {
      ctx.addIssue({
        code: 'custom',
        path: ['CACHE_ENCRYPTION_KEYS_FILE'],
        message: 'set either CACHE_ENCRYPTION_KEYS or CACHE_ENCRYPTION_KEYS_FILE',
      });
    }
    if (env.CACHE_ENCRYPT_BY_DEFAULT && !env.CACHE_ENCRYPTION_KEYS && !env.CACHE_ENCRYPTION_KEYS_FILE) {
      ctx.addIssue({
        code: 'custom',
        path: ['CACHE_ENCRYPT_BY_DEFAULT'],
        message: 'needs CACHE_ENCRYPTION_KEYS or CACHE_ENCRYPTION_KEYS_FILE',
      });
    }
    if (env.JWT_PUBLIC_KEY && env.JWT_PUBLIC_KEY_FILE) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_PUBLIC_KEY_FILE'],
        message: 'set either JWT_PUBLIC_KEY or JWT_PUBLIC_KEY_FILE',
      });
    }
  });
export type ApiEnv = z.output<typeof ApiEnv>;

export class EnvError extends Error {
  override readonly name = 'EnvError';
}

/** Parses the environment; blank variables count as unset. Throws one message naming every bad variable. */
export function loadEnv(source: Record<string, string | undefined> = process.env): ApiEnv {
  const parsed = ApiEnv.safeParse(presentVariables(source, Object.keys(ApiEnv.shape)));
  if (!parsed.success) throw new EnvError(`invalid environment: ${describeEnvIssues(parsed.error)}`);
  return parsed.data;
}
