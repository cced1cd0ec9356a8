import { ErrorCode, type Reading, toReading, ValidatedOutput } from '@org/cache-core';
import type { z } from 'zod';
import { ORIGINAL_MESSAGE_MAX_CHARS } from './error-message.js';

/** Why a message was rejected, before it becomes an error record. */
export interface DecodeFailure {
  code: ErrorCode;
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

function requestIdOf(value: unknown): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const id = (value as { request_id?: unknown }).request_id;
  return typeof id === 'string' && id.length > 0 && id.length <= 256 ? id : null;
}

/**
 * decode (JSON) -> validate (the core schema) -> map (toReading). A null value is a tombstone;
 * a value over `maxBytes` is rejected unread.
 */
export function decodeMessage(value: Buffer | string | null, maxBytes: number): Decoded {
  if (value === null) {
    const reason = 'tombstone: the message has no value';
    return {
      ok: false,
      failure: { code: ErrorCode.INVALID_INPUT, reason, requestId: null, raw: null, rawBytes: 0 },
    };
  }
  const size = typeof value === 'string' ? Buffer.byteLength(value) : value.length;
  if (size > maxBytes) {
    // Only the head is decoded: the record keeps ORIGINAL_MESSAGE_MAX_CHARS of it at most.
    const head =
      typeof value === 'string' ? value.slice(0, HEAD_CHARS) : value.subarray(0, HEAD_CHARS).toString('utf8');
    return {
      ok: false,
      failure: {
        code: ErrorCode.TOO_LARGE,
        reason: `message is ${size} bytes, larger than the limit of ${maxBytes} bytes`,
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
        code: ErrorCode.INVALID_INPUT,
        reason: `schema: ${describeIssues(parsed.error)}`,
        requestId: requestIdOf(json),
        raw: text,
        rawBytes: size,
      },
    };
  }
  return { ok: true, reading: toReading(parsed.data) };
}
