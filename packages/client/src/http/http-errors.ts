import {
  AuthError,
  CacheError,
  classifyHttpStatus,
  ErrorCode,
  errorFromCode,
  ForbiddenError,
  NotFoundError,
  RateLimitError,
  TimeoutError,
  TooLargeError,
  UnavailableError,
  ValidationError,
} from '@org/cache-core';

interface Envelope {
  error?: { code?: unknown; message?: unknown; details?: unknown };
}

/** Seconds of a `Retry-After` header (delta-seconds or an HTTP date), or null. */
export function retryAfterSeconds(header: string | null): number | null {
  if (header === null) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, (at - Date.now()) / 1000);
}

/**
 * Rebuilds the typed error of an API error answer from its envelope, or from the status alone.
 * Its failure class comes from the status (`classifyHttpStatus`: 401/403 fatal; 408, 429, 502,
 * 503, 504, 507 transient; any other one permanent) and it carries `retryAfterSeconds` when the
 * answer had a `Retry-After`.
 */
export function errorFromEnvelope(
  status: number,
  body: unknown,
  retryAfter: number | null,
  operation: string,
): CacheError {
  const e = (body as Envelope | null)?.error;
  const details =
    e && typeof e.details === 'object' && e.details !== null
      ? (e.details as Record<string, unknown>)
      : { operation };
  const options = {
    details,
    failure: classifyHttpStatus(status),
    ...(retryAfter === null ? {} : { retryAfterSeconds: retryAfter }),
  };
  if (e && typeof e.code === 'string' && typeof e.message === 'string') {
    if (e.code === ErrorCode.RATE_LIMITED) return new RateLimitError(e.message, retryAfter ?? 1, options);
    return errorFromCode(e.code, e.message, options);
  }
  const message = `the API answered HTTP ${status} to ${operation}`;
  switch (status) {
    case 400:
      return new ValidationError(message, options);
    case 401:
      return new AuthError(message, options);
    case 403:
      return new ForbiddenError(message, options);
    case 404:
      return new NotFoundError(message, options);
    case 413:
      return new TooLargeError(message, options);
    case 429:
      return new RateLimitError(message, retryAfter ?? 1, options);
    case 502:
    case 503:
      return new UnavailableError(message, options);
    case 504:
      return new TimeoutError(message, options);
    default:
      return new CacheError(ErrorCode.INTERNAL, message, options);
  }
}

/** A fetch that failed before any answer: a timeout (CACHE_005) or an unreachable API (CACHE_006). */
export function errorFromFetchFailure(error: unknown, operation: string, timeoutMs: number): CacheError {
  const name = (error as { name?: string } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new TimeoutError(`the API did not answer ${operation} within ${timeoutMs} ms`, {
      cause: error,
      details: { operation },
    });
  }
  // Only a socket error code (ECONNREFUSED…) goes in the message; the rest stays in `cause`.
  const code = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  const reason = typeof code === 'string' && /^[A-Z_]{2,40}$/.test(code) ? `: ${code}` : '';
  return new UnavailableError(`the API is unreachable (${operation}${reason})`, {
    cause: error,
    details: { operation },
  });
}
