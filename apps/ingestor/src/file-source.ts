import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { ErrorRecord } from './pipeline/error-message.js';
import type { BatchResult, ErrorSink, Pipeline, SourceMessage } from './pipeline/pipeline.js';

export type FileSummary = BatchResult;

/**
 * Error records as NDJSON (one `ErrorMessage` per line, plus the `line` number of the bad input
 * line when known) on a stream: stderr, or the `--errors` file.
 */
export class NdjsonErrorSink implements ErrorSink {
  readonly #out: Writable;

  constructor(out: Writable) {
    this.#out = out;
  }

  async send(records: readonly ErrorRecord[]): Promise<void> {
    let text = '';
    for (const r of records) {
      text += `${JSON.stringify(r.line === undefined ? r.message : { ...r.message, line: r.line })}\n`;
    }
    if (!this.#out.write(text)) await once(this.#out, 'drain');
  }
}

/**
 * Runs NDJSON lines (blank lines skipped) through the pipeline in chunks and returns the totals.
 * The same pipeline as the Kafka source: decode, validate, write latest-wins, report bad lines.
 */
export async function runFile(
  input: Readable,
  pipeline: Pipeline,
  options: { batchMaxMessages: number; signal?: AbortSignal },
): Promise<FileSummary> {
  const total: FileSummary = { read: 0, written: 0, stale: 0, invalid: 0 };
  const add = (r: BatchResult) => {
    total.read += r.read;
    total.written += r.written;
    total.stale += r.stale;
    total.invalid += r.invalid;
  };
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let chunk: SourceMessage[] = [];
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    if (line.trim().length === 0) continue;
    chunk.push({ value: line, line: lineNumber });
    if (chunk.length >= options.batchMaxMessages) {
      add(await pipeline.process(chunk, { signal: options.signal }));
      chunk = [];
    }
  }
  if (chunk.length > 0) add(await pipeline.process(chunk, { signal: options.signal }));
  return total;
}
