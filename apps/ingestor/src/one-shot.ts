import { type CacheClient, createCacheClient } from '@org/cache-client';
import { createIngestorClient } from './cache.js';
import type { IngestorConfig } from './env.js';
import { EXIT_CONFIG, EXIT_FAILURE, EXIT_OK } from './exit-codes.js';
import { createLogger, type Logger } from './logger.js';
import { FatalIngestError } from './pipeline/fatal-error.js';
import { type ErrorSink, Pipeline } from './pipeline/pipeline.js';
import { AbortedError } from './retry.js';

/** In the one-shot modes a cache that stays away this long ends the run (exit 1) instead of waiting forever. */
export const ONE_SHOT_GIVE_UP_MS = 30_000;

export interface OneShotOptions {
  /** Write through the cache REST API (token from CACHE_API_TOKEN) instead of Redis. */
  apiUrl?: string;
  /** The log line at the end ("file replayed", "error records replayed"). */
  done: string;
  /** The log line of a failure ("file replay failed"). */
  failed: string;
  /** Default: JSON lines on stderr at LOG_LEVEL. */
  logger?: Logger;
}

export interface OneShotRun {
  pipeline: Pipeline;
  logger: Logger;
  /** Aborted by SIGINT or SIGTERM. */
  signal: AbortSignal;
}

/** The cache client of a one-shot run: Redis as configured, or the REST API. */
function oneShotClient(config: IngestorConfig, apiUrl: string | undefined, logger: Logger): CacheClient {
  const maxFutureSkewMs = config.bounds.maxFutureSkewMs;
  return apiUrl === undefined
    ? createIngestorClient(config.redis, logger, maxFutureSkewMs)
    : createCacheClient({
        transport: 'http',
        baseUrl: apiUrl.replace(/\/+$/, ''),
        token: config.apiToken,
        maxFutureSkewMs,
      });
}

/**
 * Runs `body` over a pipeline into the cache, for the modes that read something to its end and
 * exit (`--from-file`, `--replay-errors`): logs on stderr, the summary `body` returns as one JSON
 * line on stdout. Exit 0 once done (bad messages included); 2 when Redis or the API refused the
 * credentials (the message names the setting); 1 when the cache stayed away for
 * `ONE_SHOT_GIVE_UP_MS`, the input could not be read, or a signal interrupted the run.
 */
export async function runOneShot(
  config: IngestorConfig,
  options: OneShotOptions,
  errors: ErrorSink,
  body: (run: OneShotRun) => Promise<object>,
): Promise<number> {
  const logger = options.logger ?? createLogger(config.logLevel, 2, config.logFormat);
  const client = oneShotClient(config, options.apiUrl, logger);
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const pipeline = new Pipeline({
    client,
    errors,
    maxMessageBytes: config.batch.maxMessageBytes,
    maxFutureSkewMs: config.bounds.maxFutureSkewMs,
    retry: { ...config.retry, giveUpAfterMs: ONE_SHOT_GIVE_UP_MS },
    logger,
    target: options.apiUrl === undefined ? 'redis' : 'api',
  });
  try {
    const summary = await body({ pipeline, logger, signal: abort.signal });
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    logger.info(summary, options.done);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof FatalIngestError) {
      logger.fatal({ setting: error.setting }, `stopping: ${error.message}`);
      process.stderr.write(`cache-ingestor: ${error.message}\n`);
      return EXIT_CONFIG;
    }
    if (error instanceof AbortedError) logger.warn('interrupted; the summary is incomplete and not printed');
    else logger.error({ err: error instanceof Error ? error.message : String(error) }, options.failed);
    return EXIT_FAILURE;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await client.close().catch(() => {});
  }
}
