import { homedir } from 'node:os';
import { join } from 'node:path';

/** What the CLI takes from the environment. Only this module reads `process.env`. */
export interface CliEnv {
  /** `CACHE_API_URL`: base URL of the REST API. */
  apiUrl: string | undefined;
  /** `CACHE_API_TOKEN`: bearer token for the API. */
  token: string | undefined;
  /** `REDIS_URL`: talk to Redis directly instead of the API. */
  redisUrl: string | undefined;
  /** The config file: `$CACHE_CLI_CONFIG`, else `$XDG_CONFIG_HOME/cache-cli/config.json`, else `~/.config/cache-cli/config.json`. */
  configPath: string;
  /** `NO_COLOR` set to anything non-empty (https://no-color.org). */
  noColor: boolean;
  /** `NATS_URL`: the message hub's NATS servers (`cache-cli hub send|config`). */
  natsUrl?: string;
  /** `NATS_SUBJECT_PREFIX`: the API's subject prefix (`prod.`), for `cache-cli hub`. */
  natsSubjectPrefix?: string;
  /** `NATS_USER` / `NATS_PASSWORD` / `NATS_TOKEN`: NATS credentials for `cache-cli hub`. */
  natsUser?: string;
  natsPassword?: string;
  natsToken?: string;
}

const nonBlank = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === '' ? undefined : value.trim();

export function readEnv(source: Record<string, string | undefined> = process.env): CliEnv {
  const xdg = nonBlank(source.XDG_CONFIG_HOME);
  // XDG says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const configHome = xdg?.startsWith('/') ? xdg : join(nonBlank(source.HOME) ?? homedir(), '.config');
  return {
    apiUrl: nonBlank(source.CACHE_API_URL),
    token: nonBlank(source.CACHE_API_TOKEN),
    redisUrl: nonBlank(source.REDIS_URL),
    configPath: nonBlank(source.CACHE_CLI_CONFIG) ?? join(configHome, 'cache-cli', 'config.json'),
    noColor: nonBlank(source.NO_COLOR) !== undefined,
    natsUrl: nonBlank(source.NATS_URL),
    natsSubjectPrefix: nonBlank(source.NATS_SUBJECT_PREFIX),
    natsUser: nonBlank(source.NATS_USER),
    natsPassword: source.NATS_PASSWORD === '' ? undefined : source.NATS_PASSWORD,
    natsToken: nonBlank(source.NATS_TOKEN),
  };
}
