import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type { IngestorConfig } from './env.js';
import { NdjsonErrorSink, runFile } from './file-source.js';
import { runOneShot } from './one-shot.js';

/** The error output of a one-shot run: the `--errors` file, or stderr. */
export function errorOutput(errorsPath: string | undefined): { out: Writable; close(): Promise<void> } {
  if (errorsPath === undefined) return { out: process.stderr, close: async () => {} };
  const out = createWriteStream(errorsPath);
  return {
    out,
    close: async () => {
      out.end();
      await once(out, 'finish').catch(() => {});
    },
  };
}

/**
 * `--from-file <path|->`: the pipeline over NDJSON, without Kafka, into Redis or (`--api-url`)
 * through the REST API. Bad lines go to stderr or to `errorsPath` as NDJSON error messages; logs
 * go to stderr; the summary `{"read":…,"written":…,"stale":…,"invalid":…}` is the only thing
 * printed on stdout. Exit codes as `runOneShot`.
 */
export async function replayFile(
  config: IngestorConfig,
  options: { path: string; errorsPath?: string; apiUrl?: string },
): Promise<number> {
  const { path, errorsPath, apiUrl } = options;
  const input = path === '-' ? process.stdin : createReadStream(path);
  const errors = errorOutput(errorsPath);
  try {
    return await runOneShot(
      config,
      { apiUrl, done: 'file replayed', failed: 'file replay failed' },
      new NdjsonErrorSink(errors.out),
      ({ pipeline, signal }) =>
        runFile(input, pipeline, { batchMaxMessages: config.batch.maxMessages, signal }),
    );
  } finally {
    await errors.close();
  }
}
