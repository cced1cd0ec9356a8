import { INGEST_ERROR_CODES, isTruncatedOriginal, SERVICE_NAME } from '../pipeline/error-message.js';
import type { BatchResult } from '../pipeline/pipeline.js';

/** What becomes of one error record in a replay. */
export type Selection =
  /** Its original message goes through the pipeline again. */
  | { kind: 'replay'; original: string }
  /** Its `error_code` is not one of the codes asked for. */
  | { kind: 'skipped' }
  /** Its `original_message` was cut at 16 KiB: the message is lost, it cannot be replayed. */
  | { kind: 'truncated' }
  /** A tombstone: there is no message to replay. */
  | { kind: 'tombstone' }
  /** Not an error record (not JSON, or no `original_message`). */
  | { kind: 'unreadable' }
  /** An error record of another service on the shared error topic: not ours to replay. */
  | { kind: 'foreign' };

/** The codes `--error-code` accepts: every `error_code` the pipeline writes. */
export function parseErrorCodes(codes: readonly string[]): ReadonlySet<string> | null {
  if (codes.length === 0) return null;
  const unknown = codes.filter((c) => !Object.hasOwn(INGEST_ERROR_CODES, c));
  if (unknown.length > 0) {
    throw new Error(
      `unknown --error-code ${unknown.map((c) => JSON.stringify(c)).join(', ')}; known: ${Object.keys(INGEST_ERROR_CODES).join(', ')}`,
    );
  }
  return new Set(codes);
}

/**
 * Decides what to do with one error record (the value of an error-topic message, or one line of
 * an error file). Only this service's records (`service: "cache_service"`) are replayed. `codes`
 * null selects every record; otherwise a record is selected when its `error_code` is one of them
 * (records written before `error_code` existed are never selected by code).
 */
export function selectRecord(value: Buffer | string | null, codes: ReadonlySet<string> | null): Selection {
  if (value === null) return { kind: 'unreadable' };
  let record: unknown;
  try {
    record = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch {
    return { kind: 'unreadable' };
  }
  if (record === null || typeof record !== 'object' || Array.isArray(record)) return { kind: 'unreadable' };
  const { original_message: original, error_code: code, service } = record as Record<string, unknown>;
  if (original !== null && typeof original !== 'string') return { kind: 'unreadable' };
  if (service !== SERVICE_NAME) return { kind: 'foreign' };
  if (codes !== null && (typeof code !== 'string' || !codes.has(code))) return { kind: 'skipped' };
  if (original === null) return { kind: 'tombstone' };
  if (isTruncatedOriginal(original)) return { kind: 'truncated' };
  return { kind: 'replay', original };
}

/** The summary a replay prints (one JSON line on stdout). */
export interface ReplaySummary {
  /** Error records read. */
  records: number;
  /** Records matching `--error-code` (all of them without it). */
  selected: number;
  /** Original messages run through the pipeline again. */
  replayed: number;
  /** Of those: readings that became the latest state, stale ones, and still-invalid messages (new error records). */
  written: number;
  stale: number;
  invalid: number;
  /** Selected records whose original was cut (too large to keep whole): not replayable. */
  truncated: number;
  /** Selected records of tombstones: nothing to replay. */
  tombstones: number;
  /** Input that is not an error record. */
  unreadable: number;
  /** Error records of other services (another `service` on the shared topic): left alone. */
  foreign: number;
}

/** Adds up a replay, and remembers where the unreplayable records were (first 20). */
export class ReplayTally {
  readonly summary: ReplaySummary = {
    records: 0,
    selected: 0,
    replayed: 0,
    written: 0,
    stale: 0,
    invalid: 0,
    truncated: 0,
    tombstones: 0,
    unreadable: 0,
    foreign: 0,
  };
  /** Where the first truncated records are (`line 12`, `iot_errors/0@42`). */
  readonly truncatedAt: string[] = [];

  /** Counts one record; returns the original message to replay, if any. */
  count(selection: Selection, where: () => string): string | null {
    const s = this.summary;
    s.records++;
    switch (selection.kind) {
      case 'replay':
        s.selected++;
        s.replayed++;
        return selection.original;
      case 'skipped':
        return null;
      case 'truncated':
        s.selected++;
        s.truncated++;
        if (this.truncatedAt.length < 20) this.truncatedAt.push(where());
        return null;
      case 'tombstone':
        s.selected++;
        s.tombstones++;
        return null;
      case 'unreadable':
        s.unreadable++;
        return null;
      case 'foreign':
        s.foreign++;
        return null;
    }
  }

  add(result: BatchResult): void {
    this.summary.written += result.written;
    this.summary.stale += result.stale;
    this.summary.invalid += result.invalid;
  }
}
