import { ErrorCode, type InputProblem, type Reading, toReading, ValidatedOutput } from '@org/cache-core';
import type { z } from 'zod';
import { type IngestErrorCode, ORIGINAL_MESSAGE_MAX_CHARS } from './error-message.js';

/** Why a message was rejected, before it becomes an error record. */
export interface DecodeFailure {
  /** The cache error code (CACHE_004 ids, CACHE_007 content, CACHE_008 sizes). */
  code: ErrorCode;
  /** The machine-readable reason: the error record's `error_code`. */
  errorCode: IngestErrorCode;
  /** Safe to log: it never quotes the message's content. */
  reason: string;
  /** The message's own request_id when it has one. */
  requestId: string | null;
  /** The raw text (null for a tombstone), possibly cut short: the error record truncates it anyway. */
  raw: string | null;
  /** Size of the whole value in bytes. */
  rawBytes: number;
}

export type Decoded = { ok: true; reading: Reading } | { ok: false; failure: DecodeFailure };

/** The bounds a message is checked against (see the README's "Bounds"). */
export interface DecodeLimits {
  /** Larger values are rejected unread (`message_too_large`). */
  maxMessageBytes: number;
  /**
   * The core bounds of a reading (core `readingBoundsChecker`, made once per batch with the clock
   * and `maxFutureSkewMs`): depth, metadata keys and sizes, ids, timestamp skew.
   */
  checkReading: (reading: Reading) => InputProblem | null;
}

const MAX_ISSUES = 5;
const HEAD_CHARS = ORIGINAL_MESSAGE_MAX_CHARS + 1;

/** One line naming each zod issue: `device_id: must not be empty; values: Invalid input: …`. */
export function describeIssues(error: z.ZodError): string {
  const parts = error.issues
    .slice(0, MAX_ISSUES)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(message)'}: ${issue.message}`);
  if (error.issues.length > MAX_ISSUES) parts.push(`and ${error.issues.length - MAX_ISSUES} more`);
  return parts.join('; ');
}

/** V8's JSON errors quote the input (`Unexpected token 'o', "not json" is not valid JSON`): drop the quote. */
function jsonReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return `not JSON: ${message.replace(/, ".*" is not valid JSON$/s, ' (not valid JSON)')}`;
}

/** A request_id fit for an error record (a usable string of at most 256 characters), else null. */
export function recordRequestId(id: unknown): string | null {
  return typeof id === 'string' && id.length > 0 && id.length <= 256 ? id : null;
}

function requestIdOf(value: unknown): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  return recordRequestId((value as { request_id?: unknown }).request_id);
}

/** An over-long device id or index has its own reason (and CACHE_004); other schema issues are `schema`. */
function schemaErrorCode(error: z.ZodError): { errorCode: IngestErrorCode; code: ErrorCode } {
  for (const issue of error.issues) {
    if (issue.code !== 'too_big' || issue.path.length !== 1) continue;
    if (issue.path[0] === 'device_id') return { errorCode: 'id_too_long', code: ErrorCode.INVALID_KEY };
    if (issue.path[0] === 'index') return { errorCode: 'index_too_long', code: ErrorCode.INVALID_KEY };
  }
  return { errorCode: 'schema', code: ErrorCode.INVALID_INPUT };
}

/**
 * decode (JSON) -> validate (the core schema) -> map (toReading) -> check the core input bounds
 * (nesting depth, metadata keys and sizes, ids, timestamp skew). A null value is a tombstone; a
 * value over `maxMessageBytes` is rejected unread.
 */
export function decodeMessage(value: Buffer | string | null, limits: DecodeLimits): Decoded {
  if (value === null) {
    const reason = 'tombstone: the message has no value';
    return {
      ok: false,
      failure: {
        code: ErrorCode.INVALID_INPUT,
        errorCode: 'tombstone',
        reason,
        requestId: null,
        raw: null,
        rawBytes: 0,
      },
    };
  }
  const size = typeof value === 'string' ? Buffer.byteLength(value) : value.length;
  if (size > limits.maxMessageBytes) {
    // Only the head is decoded: the record keeps ORIGINAL_MESSAGE_MAX_CHARS of it at most.
    const head =
      typeof value === 'string' ? value.slice(0, HEAD_CHARS) : value.subarray(0, HEAD_CHARS).toString('utf8');
    return {
      ok: false,
      failure: {
        code: ErrorCode.TOO_LARGE,
        errorCode: 'message_too_large',
        reason: `message is ${size} bytes, larger than the limit of ${limits.maxMessageBytes} bytes`,
        requestId: null,
        raw: head,
        rawBytes: size,
      },
    };
  }
  const text = typeof value === 'string' ? value : value.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return {
      ok: false,
      failure: {
        code: ErrorCode.INVALID_INPUT,
        errorCode: 'invalid_json',
        reason: jsonReason(error),
        requestId: null,
        raw: text,
        rawBytes: size,
      },
    };
  }
  const parsed = ValidatedOutput.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      failure: {
        ...schemaErrorCode(parsed.error),
        reason: `schema: ${describeIssues(parsed.error)}`,
        requestId: requestIdOf(json),
        raw: text,
        rawBytes: size,
      },
    };
  }
  const reading = toReading(parsed.data);
  const problem = limits.checkReading(reading);
  if (problem !== null) {
    return {
      ok: false,
      failure: {
        code: problem.code,
        errorCode: problem.reason,
        reason: problem.message,
        requestId: recordRequestId(reading.request_id),
        raw: text,
        rawBytes: size,
      },
    };
  }
  return { ok: true, reading };
}
