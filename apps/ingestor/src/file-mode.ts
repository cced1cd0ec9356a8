import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { createCacheClient } from '@org/cache-client';
import { createIngestorClient } from './cache.js';
import type { IngestorConfig } from './env.js';
import { NdjsonErrorSink, runFile } from './file-source.js';
import { createLogger } from './logger.js';
import { Pipeline } from './pipeline/pipeline.js';
import { AbortedError } from './retry.js';

/** In file mode a Redis that stays away this long ends the run (exit 1) instead of waiting forever. */
const FILE_MODE_GIVE_UP_MS = 30_000;

/**
 * `--from-file <path|->`: the pipeline over NDJSON, without Kafka, into Redis or (`--api-url`)
 * through the REST API. Bad lines go to stderr or to
 * `errorsPath` as NDJSON error messages; logs go to stderr; the summary
 * `{"read":…,"written":…,"stale":…,"invalid":…}` is the only thing printed on stdout. Exit 0 once
 * the file is done (bad lines included), 1 when Redis cannot be written or the file cannot be read.
 */
export async function replayFile(
  config: IngestorConfig,
  options: { path: string; errorsPath?: string; apiUrl?: string },
): Promise<number> {
  const logger = createLogger(config.logLevel, 2);
  const { path, errorsPath, apiUrl } = options;
  const input = path === '-' ? process.stdin : createReadStream(path);
  const errorsOut = errorsPath === undefined ? process.stderr : createWriteStream(errorsPath);
  const client =
    apiUrl === undefined
      ? createIngestorClient(config.redis, logger)
      : createCacheClient({ transport: 'http', baseUrl: apiUrl.replace(/\/+$/, ''), token: config.apiToken });
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const pipeline = new Pipeline({
    client,
    errors: new NdjsonErrorSink(errorsOut),
    maxMessageBytes: config.batch.maxMessageBytes,
    retry: { ...config.retry, giveUpAfterMs: FILE_MODE_GIVE_UP_MS },
    logger,
  });
  try {
    const summary = await runFile(input, pipeline, {
      batchMaxMessages: config.batch.maxMessages,
      signal: abort.signal,
    });
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    logger.info(summary, 'file replayed');
    return 0;
  } catch (error) {
    if (error instanceof AbortedError) logger.warn('interrupted; the summary is incomplete and not printed');
    else logger.error({ err: error instanceof Error ? error.message : String(error) }, 'file replay failed');
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (errorsOut !== process.stderr) {
      errorsOut.end();
      await once(errorsOut, 'finish').catch(() => {});
    }
    await client.close().catch(() => {});
  }
}
