import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UsageError } from './errors.js';

/**
 * Defaults from the config file (`$XDG_CONFIG_HOME/cache-cli/config.json`). Flags win over the
 * environment, which wins over this file.
 */
export const CliConfig = z.strictObject({
  /** Base URL of the REST API, e.g. `http://localhost:8080`. */
  apiUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** Bearer token for the API. */
  token: z.string().min(1).optional(),
  /** `redis://…`: talk to Redis directly (used when no API URL is configured anywhere). */
  redisUrl: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .optional(),
  /** Key prefix of the Redis deployment (the API's and ingestor's `KEY_PREFIX`); Redis only. */
  keyPrefix: z.string().max(64).optional(),
  /** Default tenant of the `kv` commands. */
  tenant: z.string().min(1).optional(),
  /** Default output: `table`, `json` or `ndjson`. */
  output: z.enum(['table', 'json', 'ndjson']).optional(),
  /** Default page size of `list` (1 to 1000). */
  limit: z.number().int().min(1).max(1000).optional(),
});
export type CliConfig = z.output<typeof CliConfig>;

export interface LoadedConfig {
  path: string;
  /** False when there is no file at `path` (then every setting is unset). */
  exists: boolean;
  config: CliConfig;
}

/** Reads the config file; a missing file is an empty config, an unreadable or invalid one a usage error. */
export function loadConfig(path: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { path, exists: false, config: {} };
    throw new UsageError(`cannot read config file ${path}: ${(error as Error).message}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`config file ${path} is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const parsed = CliConfig.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw new UsageError(`config file ${path}: ${where}${issue.message}`);
  }
  return { path, exists: true, config: parsed.data };
}
