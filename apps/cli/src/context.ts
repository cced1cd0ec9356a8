import { type CacheClient, createCacheClient } from '@org/cache-client';
import { type CliConfig, type LoadedConfig, loadConfig } from './config.js';
import type { CliEnv } from './env.js';
import { UsageError } from './errors.js';
import { Output, type OutputMode, type OutStream } from './output/output.js';
import { createStyle } from './output/style.js';

/** Options every command accepts (declared on the program). */
export interface GlobalOptions {
  apiUrl?: string;
  token?: string;
  redisUrl?: string;
  keyPrefix?: string;
  config?: string;
  json?: boolean;
  ndjson?: boolean;
  /** false with `--no-color`. */
  color?: boolean;
  verbose?: boolean;
  timeout?: number;
}

export interface InStream {
  isTTY?: boolean;
}

export interface Io {
  stdout: OutStream;
  stderr: OutStream;
  stdin: NodeJS.ReadableStream & InStream;
  env: CliEnv;
}

export type Target =
  | { kind: 'http'; baseUrl: string; token: string | undefined; source: string }
  | { kind: 'redis'; url: string; keyPrefix: string | undefined; source: string };

export const DEFAULT_API_URL = 'http://localhost:8080';

/**
 * Which cache to talk to. Flags first, then the environment, then the config file; the API URL
 * wins over a Redis URL at the same level; with nothing configured, the API on localhost:8080.
 */
export function resolveTarget(opts: GlobalOptions, env: CliEnv, config: CliConfig): Target {
  if (opts.apiUrl !== undefined && opts.redisUrl !== undefined) {
    throw new UsageError('pass either --api-url or --redis-url, not both');
  }
  const token = opts.token ?? env.token ?? config.token;
  const keyPrefix = opts.keyPrefix ?? config.keyPrefix;
  const http = (url: string, source: string): Target => ({
    kind: 'http',
    baseUrl: checkUrl(url, /^https?:\/\//, source, 'an http:// or https:// URL'),
    token,
    source,
  });
  const redis = (url: string, source: string): Target => ({
    kind: 'redis',
    url: checkUrl(url, /^rediss?:\/\//, source, 'a redis:// or rediss:// URL'),
    keyPrefix,
    source,
  });
  if (opts.redisUrl !== undefined) return redis(opts.redisUrl, '--redis-url');
  if (opts.apiUrl !== undefined) return http(opts.apiUrl, '--api-url');
  if (env.apiUrl !== undefined) return http(env.apiUrl, 'CACHE_API_URL');
  if (env.redisUrl !== undefined) return redis(env.redisUrl, 'REDIS_URL');
  if (config.apiUrl !== undefined) return http(config.apiUrl, 'config apiUrl');
  if (config.redisUrl !== undefined) return redis(config.redisUrl, 'config redisUrl');
  return http(DEFAULT_API_URL, 'default');
}

function checkUrl(url: string, shape: RegExp, source: string, expected: string): string {
  if (!shape.test(url)) throw new UsageError(`${source} must be ${expected}, got ${JSON.stringify(url)}`);
  try {
    new URL(url);
  } catch {
    throw new UsageError(`${source} is not a valid URL: ${JSON.stringify(url)}`);
  }
  return url;
}

/** A URL safe to print: the password and the token are never shown. */
export function describeTarget(target: Target): string {
  const url = new URL(target.kind === 'http' ? target.baseUrl : target.url);
  if (url.password) url.password = '***';
  const shown = url.toString().replace(/\/$/, '');
  return target.kind === 'http' ? `API ${shown}` : `Redis ${shown}`;
}

/** Per-invocation state: settings, output, and the client (opened on first use, closed by `close()`). */
export class Context {
  readonly io: Io;
  readonly opts: GlobalOptions;
  readonly loaded: LoadedConfig;
  readonly output: Output;
  #client: CacheClient | null = null;

  constructor(opts: GlobalOptions, io: Io) {
    this.io = io;
    this.opts = opts;
    this.loaded = loadConfig(opts.config ?? io.env.configPath);
    if (opts.json && opts.ndjson) throw new UsageError('pass either --json or --ndjson, not both');
    const mode: OutputMode = opts.json
      ? 'json'
      : opts.ndjson
        ? 'ndjson'
        : (this.loaded.config.output ?? 'table');
    const color = mode === 'table' && io.stdout.isTTY === true && !io.env.noColor && opts.color !== false;
    this.output = new Output(mode, createStyle(color), io.stdout, io.stderr);
  }

  get config(): CliConfig {
    return this.loaded.config;
  }

  target(): Target {
    return resolveTarget(this.opts, this.io.env, this.config);
  }

  /** The tenant of `kv` commands: `--tenant`, else the config file's `tenant`. */
  tenant(flag: string | undefined): string {
    const tenant = flag ?? this.config.tenant;
    if (tenant === undefined) {
      throw new UsageError('missing --tenant <id> (or set "tenant" in the config file)');
    }
    return tenant;
  }

  client(): CacheClient {
    if (this.#client) return this.#client;
    const target = this.target();
    const timeoutMs = this.opts.timeout;
    this.#client =
      target.kind === 'http'
        ? createCacheClient({
            transport: 'http',
            baseUrl: target.baseUrl,
            token: target.token,
            timeoutMs,
          })
        : createCacheClient({
            transport: 'redis',
            url: target.url,
            keyPrefix: target.keyPrefix,
            // An operator's command should fail fast and clearly, not retry a dead server forever.
            redisOptions: {
              connectTimeout: timeoutMs ?? 5_000,
              commandTimeout: timeoutMs ?? 10_000,
              maxRetriesPerRequest: 1,
              retryStrategy: (attempt: number) => (attempt > 2 ? null : 100 * attempt),
            },
          });
    return this.#client;
  }

  async close(): Promise<void> {
    const client = this.#client;
    this.#client = null;
    if (client) await client.close().catch(() => {});
  }
}
