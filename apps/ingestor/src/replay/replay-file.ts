import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { IngestorConfig } from '../env.js';
import { errorOutput } from '../file-mode.js';
import { NdjsonErrorSink } from '../file-source.js';
import type { Logger } from '../logger.js';
import { runOneShot } from '../one-shot.js';
import type { Pipeline, SourceMessage } from '../pipeline/pipeline.js';
import { type ReplaySummary, ReplayTally, selectRecord } from './error-records.js';

/**
 * Reads an NDJSON file of error records (what `--errors` or the error topic holds) and runs the
 * original message of each selected record through the pipeline again, in chunks.
 */
export async function replayErrorLines(
  input: Readable,
  pipeline: Pipeline,
  options: {
    codes: ReadonlySet<string> | null;
    batchMaxMessages: number;
    signal?: AbortSignal;
    logger: Logger;
  },
): Promise<ReplaySummary> {
  const tally = new ReplayTally();
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let chunk: SourceMessage[] = [];
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    if (line.trim().length === 0) continue;
    const at = lineNumber;
    const original = tally.count(selectRecord(line, options.codes), () => `line ${at}`);
    if (original === null) continue;
    chunk.push({ value: original, line: at });
    if (chunk.length >= options.batchMaxMessages) {
      tally.add(await pipeline.process(chunk, { signal: options.signal }));
      chunk = [];
    }
  }
  if (chunk.length > 0) tally.add(await pipeline.process(chunk, { signal: options.signal }));
  reportUnreplayable(tally, options.logger);
  return tally.summary;
}

/** One warning for the selected records that cannot be replayed (their message was not kept whole). */
export function reportUnreplayable(tally: ReplayTally, logger: Logger): void {
  if (tally.summary.truncated === 0) return;
  logger.warn(
    { truncated: tally.summary.truncated, first: tally.truncatedAt },
    'error records whose original_message was truncated cannot be replayed',
  );
}

/**
 * `--replay-errors --from-file <path|->`: the error records of a file, filtered by `--error-code`,
 * replayed into the cache. Messages still bad go to `--errors` (or stderr) as new error records,
 * with the line of the error file they came from. Latest-wins writes make a replay harmless.
 */
export async function replayErrorFile(
  config: IngestorConfig,
  options: { path: string; codes: ReadonlySet<string> | null; errorsPath?: string; apiUrl?: string },
): Promise<number> {
  const input = options.path === '-' ? process.stdin : createReadStream(options.path);
  const errors = errorOutput(options.errorsPath);
  try {
    return await runOneShot(
      config,
      { apiUrl: options.apiUrl, done: 'error records replayed', failed: 'error replay failed' },
      new NdjsonErrorSink(errors.out),
      ({ pipeline, signal, logger }) =>
        replayErrorLines(input, pipeline, {
          codes: options.codes,
          batchMaxMessages: config.batch.maxMessages,
          signal,
          logger,
        }),
    );
  } finally {
    await errors.close();
  }
}
