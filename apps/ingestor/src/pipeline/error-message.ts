import { randomUUID } from 'node:crypto';
import type { ErrorCode } from '@org/cache-core';

/** The service name the upstream pipeline's error consumers know this service by. */
export const SERVICE_NAME = 'cache_service';

/** Longest `original_message` kept in an error record (characters); the rest is cut with a marker. */
export const ORIGINAL_MESSAGE_MAX_CHARS = 16 * 1024;

/** One record of the error topic, shaped like the pipeline's `ErrorMessage`. */
export interface ErrorMessage {
  request_id: string;
  /** When the cache service rejected the message (ISO 8601, UTC). */
  timestamp: string;
  service: typeof SERVICE_NAME;
  /** Why: the zod issue paths and messages, "not JSON: …", "tombstone …", "too large …". */
  error: string;
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

export function buildErrorMessage(input: {
  requestId: string | null;
  reason: string;
  original: string | null;
  originalBytes: number;
  now?: Date;
}): ErrorMessage {
  return {
    request_id: input.requestId ?? randomUUID(),
    timestamp: (input.now ?? new Date()).toISOString(),
    service: SERVICE_NAME,
    error: input.reason,
    original_message: input.original === null ? null : truncateOriginal(input.original, input.originalBytes),
  };
}
