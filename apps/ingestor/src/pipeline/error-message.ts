import { randomUUID } from 'node:crypto';
import type { BoundsReason, ErrorCode } from '@org/cache-core';

/** The service name the upstream pipeline's error consumers know this service by. */
export const SERVICE_NAME = 'cache_service';

/** Longest `original_message` kept in an error record (characters); the rest is cut with a marker. */
export const ORIGINAL_MESSAGE_MAX_CHARS = 16 * 1024;

/**
 * Why a message was refused, machine-readable (the `error_code` of its error record): a core
 * `BoundsReason` (`message_too_large`, `value_too_deep`, `timestamp_in_future`, `id_too_long`, …),
 * or one of the pipeline's own: `tombstone` (no value), `invalid_json`, `schema` (not a
 * `ValidatedOutput`), `write_failed` (the cache refused this one message for good).
 */
export type IngestErrorCode = BoundsReason | 'tombstone' | 'invalid_json' | 'schema' | 'write_failed';

/** Every `error_code`, with what it means (the README's table; `--error-code` accepts these). */
export const INGEST_ERROR_CODES: Record<IngestErrorCode, string> = {
  tombstone: 'the Kafka message has no value',
  message_too_large:
    'the message is larger than INGEST_MAX_MESSAGE_BYTES (its original_message is cut past 16 KiB: then not replayable)',
  invalid_json: 'the message is not JSON',
  schema: 'the JSON is not a ValidatedOutput (a field missing or of the wrong type, a bad timestamp)',
  id_too_long: 'device_id is longer than the core limit',
  index_too_long: 'index is longer than the core limit',
  value_too_deep: 'values or a metadata value nest arrays/objects deeper than the core limit',
  too_many_metadata_keys: 'metadata has more extra keys than the core limit',
  metadata_key_too_long: 'a metadata key is longer than the core limit',
  metadata_value_too_large: 'a metadata value is larger than the core limit',
  timestamp_in_future: 'the reading is stamped more than MAX_FUTURE_SKEW seconds ahead of the ingestor clock',
  invalid_id: 'device_id or index holds control characters or unpaired surrogates',
  invalid_timestamp: 'the timestamp is not a date-time the cache can store',
  invalid_shape: 'a field of the reading has the wrong type',
  not_json: 'a value holds something JSON cannot carry',
  invalid_unicode: 'a metadata key or datatype field holds an unpaired surrogate or a control character',
  request_id_too_long: 'request_id is longer than the core limit',
  metadata_key_reserved: 'a metadata key is "__proto__", which JavaScript objects cannot carry',
  write_failed: 'the cache refused this one message for good (the batch was split to find it)',
};

/** One record of the error topic, shaped like the pipeline's `ErrorMessage`. */
export interface ErrorMessage {
  request_id: string;
  /** When the cache service rejected the message (ISO 8601, UTC). */
  timestamp: string;
  service: typeof SERVICE_NAME;
  /** Why, for people: the zod issue paths and messages, "not JSON: …", "tombstone …", "too large …". */
  error: string;
  /** Why, for programs (filters, replays): one `IngestErrorCode`. Records written before it existed lack it. */
  error_code: IngestErrorCode;
  /** The message as received (truncated when huge); null for a tombstone, which has no value. */
  original_message: string | null;
}

/** Where a message came from, for the error record's headers (Kafka) or the log (file). */
export interface MessageOrigin {
  topic: string;
  partition: number;
  offset: string;
  /** The Kafka message key, kept as the error record's key. */
  key?: Buffer | string | null;
}

/** A rejected message on its way to the error sink. */
export interface ErrorRecord {
  code: ErrorCode;
  message: ErrorMessage;
  origin?: MessageOrigin;
  /** The input line number (file mode). */
  line?: number;
}

/** Keeps the first `max` characters, with a marker giving the whole size in bytes. */
export function truncateOriginal(text: string, totalBytes: number, max = ORIGINAL_MESSAGE_MAX_CHARS): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}…[truncated: ${totalBytes} bytes in all]`;
}

const TRUNCATED_MARKER = /…\[truncated: \d+ bytes in all\]$/;

/**
 * True when `original_message` was cut by `truncateOriginal`: it is not the message any more and
 * cannot be replayed. Every longer text is cut, so a text past the cut that ends with the marker is.
 */
export function isTruncatedOriginal(text: string, max = ORIGINAL_MESSAGE_MAX_CHARS): boolean {
  return text.length > max && TRUNCATED_MARKER.test(text);
}

export function buildErrorMessage(input: {
  requestId: string | null;
  reason: string;
  code: IngestErrorCode;
  original: string | null;
  originalBytes: number;
  now?: Date;
}): ErrorMessage {
  return {
    request_id: input.requestId ?? randomUUID(),
    timestamp: (input.now ?? new Date()).toISOString(),
    service: SERVICE_NAME,
    error: input.reason,
    error_code: input.code,
    original_message: input.original === null ? null : truncateOriginal(input.original, input.originalBytes),
  };
}
