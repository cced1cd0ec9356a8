/**
 * The settings every app of the device cache shares (Redis connection, key prefix, device TTL,
 * change outbox, logs): one zod shape, one cross-check, the same names, bounds and defaults in
 * each app. An app's `env.ts` composes this shape with its own settings and stays the only reader
 * of `process.env`.
 */
import {
  DEFAULT_KEY_PREFIX,
  DEFAULT_OUTBOX,
  DEFAULT_TTL_SECONDS,
  describeEnvIssues,
  envBoolean,
  envHostPorts,
  INPUT_BOUNDS,
} from '@org/cache-core';
import { z } from 'zod';
import { logFormatSetting, logLevelSetting } from './log-settings.js';

/** Bounds of the common settings (a value outside is refused at start, naming the variable). */
export const SETTING_BOUNDS = {
  /** `REDIS_URL`, `REDIS_PASSWORD` and `REDIS_CLUSTER_NODES` as written. */
  maxTextLength: 4_096,
  maxClusterNodes: 1_000,
  keyPrefixMaxLength: 64,
  /** `REDIS_METADATA_TTL` (10 years, core's `maxTtlSeconds`). */
  maxTtlSeconds: INPUT_BOUNDS.maxTtlSeconds,
  maxOutboxLength: 10_000_000,
  /** `OUTBOX_MAX_AGE_SECONDS`: one year. */
  maxOutboxAgeSeconds: 31_536_000,
} as const;

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const text = () => z.string().max(SETTING_BOUNDS.maxTextLength);

/** A control character, or a brace (a `{…}` in the prefix would move every key to one Cluster hash slot). */
const BAD_PREFIX_CHARACTER = /[\u0000-\u001f\u007f-\u009f{}]/;

/** The zod shape of the common settings; spread it into an app's env object. */
export const commonSettingsShape = {
  /** `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS: one Redis. */
  REDIS_URL: text()
    .trim()
    .regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL')
    .refine((url) => URL.canParse(url), 'must be a redis:// or rediss:// URL')
    .optional(),
  /** `host:port,host:port` (`[v6]:port`; port 6379 when left out): Redis Cluster seed nodes. */
  REDIS_CLUSTER_NODES: text()
    .pipe(envHostPorts(6379))
    .refine((nodes) => nodes.length > 0, 'must name at least one host:port')
    .refine((nodes) => nodes.length <= SETTING_BOUNDS.maxClusterNodes, 'at most 1000 nodes')
    .optional(),
  /** Used when `REDIS_URL` carries no credentials, and for every Cluster node. */
  REDIS_PASSWORD: text().optional(),
  /** Device state TTL in seconds, refreshed on each write. */
  REDIS_METADATA_TTL: int(1, SETTING_BOUNDS.maxTtlSeconds).default(DEFAULT_TTL_SECONDS),
  /** Prefix of every Redis key (≤ 64 characters, no control character, no brace). */
  KEY_PREFIX: z
    .string()
    .max(SETTING_BOUNDS.keyPrefixMaxLength)
    .refine((prefix) => !BAD_PREFIX_CHARACTER.test(prefix), 'must not hold a control character, { or }')
    .default(DEFAULT_KEY_PREFIX),
  LOG_LEVEL: logLevelSetting.default('info'),
  LOG_FORMAT: logFormatSetting.default('auto'),
  /** Append a change event to the outbox streams with every change (false: no events, no SSE/watch feed). */
  OUTBOX_ENABLED: envBoolean.default(DEFAULT_OUTBOX.enabled),
  /** Approximate cap of each outbox stream (events). */
  OUTBOX_MAX_LENGTH: int(1, SETTING_BOUNDS.maxOutboxLength).default(DEFAULT_OUTBOX.maxLength),
  /** Events older than this are trimmed (seconds). */
  OUTBOX_MAX_AGE_SECONDS: int(1, SETTING_BOUNDS.maxOutboxAgeSeconds).default(DEFAULT_OUTBOX.maxAgeSeconds),
};

/** The names of the common settings. */
export const COMMON_SETTING_NAMES = Object.keys(commonSettingsShape) as (keyof typeof commonSettingsShape)[];

/**
 * The rules across common settings, for an app's `superRefine`: `REDIS_URL` (one Redis) and
 * `REDIS_CLUSTER_NODES` (a Cluster) together are refused, in every app.
 */
export function checkCommonSettings(
  settings: { REDIS_URL?: string | undefined; REDIS_CLUSTER_NODES?: unknown },
  ctx: z.RefinementCtx,
): void {
  if (settings.REDIS_URL !== undefined && settings.REDIS_CLUSTER_NODES !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['REDIS_CLUSTER_NODES'],
      message: 'set either REDIS_URL (one Redis) or REDIS_CLUSTER_NODES (Redis Cluster), not both',
    });
  }
}

/** The common settings alone, as a schema (what each app's env must parse the same way). */
export const CommonSettingsSchema = z.object(commonSettingsShape).superRefine(checkCommonSettings);
/** The common settings once parsed. */
export type CommonSettings = z.output<typeof CommonSettingsSchema>;

/**
 * The variables of `names` that are set: a blank value (`REDIS_PASSWORD=` in a compose file)
 * counts as unset in every app.
 */
export function presentVariables(
  source: Record<string, string | undefined>,
  names: readonly string[],
): Record<string, string> {
  const input: Record<string, string> = {};
  for (const name of names) {
    const value = source[name];
    if (value !== undefined && value.trim() !== '') input[name] = value;
  }
  return input;
}

/** The common part of an app's parsed env. */
export function commonSettingsOf(env: CommonSettings): CommonSettings {
  return Object.fromEntries(
    COMMON_SETTING_NAMES.map((name) => [name, env[name]]),
  ) as unknown as CommonSettings;
}

/** A settings problem: the message names every bad variable. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

/** Parses the common settings alone from an environment map (blank = unset); throws a `SettingsError` naming every bad variable. */
export function parseCommonSettings(source: Record<string, string | undefined>): CommonSettings {
  const parsed = CommonSettingsSchema.safeParse(presentVariables(source, COMMON_SETTING_NAMES));
  if (!parsed.success) throw new SettingsError(`invalid environment: ${describeEnvIssues(parsed.error)}`);
  return parsed.data;
}
