import {
  CacheError,
  ErrorCode,
  httpStatusOf,
  isCacheError,
  RateLimitError,
  ValidationError,
} from '@org/cache-core';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { z } from 'zod';
import type { Logger } from '../logger.js';
import type { ApiMetrics } from '../metrics.js';
import type { AppEnv } from './context.js';
import { json } from './respond.js';

/** The body of every error answer, on every route: `{error: {code, message, details}}`. */
export interface ErrorEnvelope {
  error: {
    code: ErrorCode;
    message: string;
    details: {
      key?: string;
      operation?: string;
      timestamp: string;
      request_id?: string;
      /** The request's `X-Correlation-ID` (its request id when it sent none): the value in logs, events and spans. */
      correlation_id?: string;
    } & Record<string, unknown>;
  };
}

/** Codes that mean the backend failed (counted as backend errors, logged with their cause). */
const BACKEND_CODES = new Set<string>([
  ErrorCode.STORAGE_FULL,
  ErrorCode.TIMEOUT,
  ErrorCode.UNAVAILABLE,
  ErrorCode.INTERNAL,
]);

/**
 * What a backend failure answers, whatever the error said: a Redis message, a Lua script sha or
 * line, a stack never reach the caller (they are logged, with the request id the answer carries).
 */
const BACKEND_MESSAGES: Readonly<Record<string, string>> = {
  [ErrorCode.STORAGE_FULL]: 'the backend is out of memory',
  [ErrorCode.TIMEOUT]: 'the backend did not answer in time',
  [ErrorCode.UNAVAILABLE]: 'the backend is unavailable',
  [ErrorCode.INTERNAL]: 'internal error',
};

/** Details a backend failure may show (anything else it carries may be internal). */
const BACKEND_DETAILS = new Set(['operation', 'key', 'device_id', 'tenant', 'reason']);

/** Status of an answer to a client that closed the connection before sending its whole request (never read). */
export const CLIENT_CLOSED_STATUS = 499;

/**
 * True when the client went away before its request was complete (a disconnect mid-upload):
 * reading the body then fails with `aborted` (ECONNRESET), which is the client's doing, not a
 * backend failure.
 */
export function clientClosed(c: Context<AppEnv>): boolean {
  const incoming = c.env?.incoming;
  return incoming !== undefined && (incoming.aborted || (incoming.destroyed && !incoming.complete));
}

/** The request (served by node) has a body, not entirely received yet. */
function bodyStillArriving(c: Context<AppEnv>): boolean {
  const incoming = c.env?.incoming;
  if (incoming === undefined || incoming.complete) return false;
  const length = incoming.headers['content-length'];
  return incoming.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Turns anything thrown by a handler into a typed cache error; unknown errors become CACHE_010. */
export function toCacheError(error: unknown): CacheError {
  if (isCacheError(error)) return error;
  if (error instanceof z.ZodError) return validationErrorOf(error);
  if (error instanceof HTTPException) {
    if (error.status === 413) return new CacheError(ErrorCode.TOO_LARGE, 'the request body is too large');
    if (error.status === 400) return new ValidationError(error.message || 'bad request');
  }
  if (error instanceof RangeError && /call stack/i.test(error.message)) {
    return new ValidationError('the input is nested too deeply');
  }
  return new CacheError(ErrorCode.INTERNAL, 'internal error', { cause: error });
}

/** A zod failure as CACHE_007, naming each bad field (never echoing its value). */
export function validationErrorOf(error: z.ZodError, where = 'body'): ValidationError {
  const issues = error.issues.slice(0, 20).map((i) => ({ path: i.path.join('.'), message: i.message }));
  const first = issues[0];
  const message = first
    ? `invalid ${where}: ${first.path ? `${first.path}: ` : ''}${first.message}`
    : `invalid ${where}`;
  return new ValidationError(message, { details: { issues } });
}

export function errorEnvelope(c: Context<AppEnv>, error: CacheError): ErrorEnvelope {
  const backend = BACKEND_CODES.has(error.code);
  const details: ErrorEnvelope['error']['details'] = {
    ...(backend ? backendDetails(error.details) : safeDetails(error.details)),
    timestamp: new Date().toISOString(),
  };
  const key = c.get('subjectKey');
  const operation = c.get('operation');
  if (key !== undefined && details.key === undefined) details.key = key;
  if (operation !== undefined && details.operation === undefined) details.operation = operation;
  const requestId = c.get('requestId');
  if (requestId !== undefined) details.request_id = requestId;
  const correlationId = c.get('correlationId');
  if (correlationId !== undefined) details.correlation_id = correlationId;
  const message = backend ? (BACKEND_MESSAGES[error.code] ?? 'internal error') : error.message;
  return { error: { code: error.code, message, details } };
}

function safeDetails(details: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(details)) if (k !== 'value' && k !== 'token') out[k] = v;
  return out;
}

function backendDetails(details: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(details))
    if (BACKEND_DETAILS.has(k) && typeof v === 'string') out[k] = v;
  return out;
}

/**
 * Writes an error answer with the status of its code (and Retry-After / WWW-Authenticate when due).
 * A 413, or any error answered while the request body is still arriving (refused before it was
 * read: 401, 429, 413...), carries `Connection: close` and the server ends the connection after
 * it: the unread rest of the body is never taken for the next request, and a keep-alive client
 * opens a fresh connection instead of writing into one the server is dropping.
 */
export function errorResponse(c: Context<AppEnv>, error: CacheError): Response {
  const status = httpStatusOf[error.code] ?? 500;
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  if (status === 413 || bodyStillArriving(c)) headers.connection = 'close';
  if (error instanceof RateLimitError)
    headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterSeconds)));
  // the backend is unavailable (connection down, breaker open): say when to come back (1 s unless told)
  else if (error.code === ErrorCode.UNAVAILABLE && error.failure !== 'fatal')
    headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterSeconds ?? 1)));
  if (error.code === ErrorCode.INVALID_CREDENTIALS) headers['www-authenticate'] = 'Bearer realm="cache-api"';
  return json(c, errorEnvelope(c, error), status, headers);
}

/**
 * The one error handler of the app: maps every thrown error to the envelope and the right status.
 * A client that disconnected mid-request gets no error answer (499, which it never reads) and no
 * backend-error count or log: `observe` logs it once, at info, as client-closed.
 */
export function errorHandler(logger: Logger, metrics: ApiMetrics) {
  // while the client refuses at once (connection down, breaker open) every request fails the same
  // way: one log line a second says so, with how many it stands for, instead of one per request
  let refusedLoggedAt = 0;
  let refusedSince = 0;
  return (thrown: Error, c: Context<AppEnv>): Response => {
    if (clientClosed(c)) return new Response(null, { status: CLIENT_CLOSED_STATUS });
    const error = toCacheError(thrown);
    if (BACKEND_CODES.has(error.code)) {
      metrics.backendErrors.inc({ code: error.code, operation: c.get('operation') ?? 'unknown' });
      const reason = error.details.reason;
      if (reason === 'connection_down' || reason === 'circuit_open') {
        refusedSince += 1;
        const now = Date.now();
        if (now - refusedLoggedAt >= 1_000) {
          logger.warn(
            {
              code: error.code,
              reason,
              requests: refusedSince,
              request_id: c.get('requestId'),
              correlation_id: c.get('correlationId'),
            },
            `${BACKEND_MESSAGES[error.code]}: answering 503 at once (${reason})`,
          );
          refusedLoggedAt = now;
          refusedSince = 0;
        }
        return errorResponse(c, error);
      }
      const cause = error.code === ErrorCode.INTERNAL && !isCacheError(thrown) ? thrown : error.cause;
      logger.error(
        {
          request_id: c.get('requestId'),
          correlation_id: c.get('correlationId'),
          code: error.code,
          operation: c.get('operation'),
          err: {
            type: (cause instanceof Error ? cause : error).name,
            message: error.message,
            cause: cause instanceof Error ? cause.message : undefined,
            stack: cause instanceof Error ? cause.stack : undefined,
          },
        },
        BACKEND_MESSAGES[error.code] ?? error.message,
      );
    }
    return errorResponse(c, error);
  };
}
