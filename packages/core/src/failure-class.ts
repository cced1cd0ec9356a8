import { CacheError, ErrorCode } from './errors.js';

/**
 * What a failure means for the caller, decided in ONE place:
 *
 * - `transient`: the backend is (momentarily) unable: connection refused or reset, timeout, Redis
 *   `LOADING` / `TRYAGAIN` / `CLUSTERDOWN` / `MASTERDOWN` / `BUSY` / `READONLY`, out of memory, an
 *   HTTP 429, 502, 503 or 504. Retry later (honour `retryAfterSeconds`), pause the source.
 * - `fatal`: the credentials are refused (API `AUTH_001` / `AUTH_002`, Redis `NOAUTH` /
 *   `WRONGPASS` / `NOPERM`). Retrying cannot help; stop and name the setting.
 * - `permanent`: everything else, for the one request or message that caused it (a Lua error, a
 *   `WRONGTYPE`, a 4xx answer, bad input). Retrying the same thing fails the same way.
 */
export type FailureClass = 'transient' | 'permanent' | 'fatal';

const TRANSIENT_CODES = new Set<ErrorCode>([
  ErrorCode.TIMEOUT,
  ErrorCode.UNAVAILABLE,
  ErrorCode.RATE_LIMITED,
  ErrorCode.STORAGE_FULL,
]);
const FATAL_CODES = new Set<ErrorCode>([ErrorCode.INVALID_CREDENTIALS, ErrorCode.INSUFFICIENT_PERMISSIONS]);

/** Socket-level error codes of Node (`error.code`): the peer could not be reached or went away. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** Classifies any failure: a `CacheError` by its explicit class or code, anything else by its shape. */
export function classifyFailure(error: unknown): FailureClass {
  if (error instanceof CacheError) {
    if (error.failure !== undefined) return error.failure;
    if (FATAL_CODES.has(error.code)) return 'fatal';
    if (TRANSIENT_CODES.has(error.code) || error.retriable) return 'transient';
    return 'permanent';
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return 'transient';
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return 'transient';
  const message = error instanceof Error ? error.message : '';
  if ((error as { name?: unknown } | null)?.name === 'ReplyError') return classifyRedisReply(message);
  return classifyConnectionMessage(message) ?? 'permanent';
}

/** The error word a Redis reply starts with (`ERR`, `WRONGTYPE`, `LOADING`…), upper-cased. */
export function redisReplyPrefix(message: string): string {
  const m = /^([A-Z][A-Z_-]*)\b/.exec(message);
  return m ? m[1]! : 'ERR';
}

const TRANSIENT_REPLIES = new Set([
  'LOADING',
  'TRYAGAIN',
  'CLUSTERDOWN',
  'MASTERDOWN',
  'BUSY',
  'READONLY',
  'OOM',
  'NOREPLICAS',
]);
const FATAL_REPLIES = new Set(['NOAUTH', 'WRONGPASS', 'NOPERM']);

/** A Redis error reply: by its prefix; anything else (ERR, a Lua error, WRONGTYPE…) is permanent. */
export function classifyRedisReply(message: string): FailureClass {
  const prefix = redisReplyPrefix(message);
  if (TRANSIENT_REPLIES.has(prefix)) return 'transient';
  if (FATAL_REPLIES.has(prefix)) return 'fatal';
  // "-ERR invalid password" of Redis < 6 and a refused AUTH before a command
  if (/^ERR (invalid password|invalid username|AUTH <password> called without)/i.test(message))
    return 'fatal';
  return 'permanent';
}

/**
 * A failure raised by a client library rather than answered by the server (ioredis: "Connection is
 * closed", "max retries", "Failed to refresh slots cache", "None of startup nodes is available"…):
 * transient, or null when the message says nothing about the connection.
 */
export function classifyConnectionMessage(message: string): FailureClass | null {
  if (
    /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EPIPE|ETIMEDOUT|timed? ?out|Connection is closed|max retries|Stream isn't writeable|enableOfflineQueue|Failed to refresh slots|None of startup nodes|Too many Cluster redirections|CLUSTERDOWN|TRYAGAIN|LOADING|MASTERDOWN/i.test(
      message,
    )
  ) {
    return 'transient';
  }
  return null;
}

/** An HTTP error status: 401/403 fatal; 408, 429, 502, 503, 504, 507 transient; every other one permanent. */
export function classifyHttpStatus(status: number): FailureClass {
  if (status === 401 || status === 403) return 'fatal';
  if ([408, 429, 502, 503, 504, 507].includes(status)) return 'transient';
  return 'permanent';
}
