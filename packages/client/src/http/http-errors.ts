import {
  AuthError,
  CacheError,
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

/** Rebuilds the typed error of an API error answer from its envelope, or from the status alone. */
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
  if (e && typeof e.code === 'string' && typeof e.message === 'string') {
    if (e.code === ErrorCode.RATE_LIMITED) return new RateLimitError(e.message, retryAfter ?? 1, { details });
    return errorFromCode(e.code, e.message, { details });
  }
  const message = `the API answered HTTP ${status} to ${operation}`;
  switch (status) {
    case 400:
      return new ValidationError(message, { details });
    case 401:
      return new AuthError(message, { details });
    case 403:
      return new ForbiddenError(message, { details });
    case 404:
      return new NotFoundError(message, { details });
    case 413:
      return new TooLargeError(message, { details });
    case 429:
      return new RateLimitError(message, retryAfter ?? 1, { details });
    case 502:
    case 503:
      return new UnavailableError(message, { details });
    case 504:
      return new TimeoutError(message, { details });
    default:
      return new CacheError(ErrorCode.INTERNAL, message, { details });
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
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  const reason = cause?.code ?? cause?.message ?? (error as Error)?.message ?? String(error);
  return new UnavailableError(`the API is unreachable (${operation}: ${reason})`, {
    cause: error,
    details: { operation },
  });
}
