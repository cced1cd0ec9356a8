import { CacheError, ErrorCode, StorageFullError, TimeoutError, UnavailableError } from '@org/cache-core';

/** Turns an ioredis failure into the cache's typed errors (never leaking a value or a password). */
export function mapRedisError(error: unknown, operation: string): CacheError {
  if (error instanceof CacheError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const details = { operation };
  if (/timed out|ETIMEDOUT/i.test(message)) {
    return new TimeoutError(`Redis did not answer ${operation} in time`, { cause: error, details });
  }
  if (/^OOM|maxmemory/i.test(message)) {
    return new StorageFullError(`Redis is out of memory (${operation})`, { cause: error, details });
  }
  if (
    /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENOTFOUND|EPIPE|Connection is closed|max retries|CLUSTERDOWN|Stream isn't writeable|enableOfflineQueue|LOADING|TRYAGAIN|Failed to refresh slots|None of startup nodes/i.test(
      message,
    )
  ) {
    return new UnavailableError(`Redis is unavailable (${operation})`, { cause: error, details });
  }
  if (/NOAUTH|WRONGPASS|invalid password|invalid username/i.test(message)) {
    return new UnavailableError(`Redis refused the credentials (${operation})`, {
      cause: error,
      details,
      retriable: false,
    });
  }
  return new CacheError(ErrorCode.INTERNAL, `Redis failed on ${operation}: ${message}`, {
    cause: error,
    details,
  });
}

/** Runs a Redis operation and rethrows its failure as a typed cache error. */
export async function redisCall<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw mapRedisError(error, operation);
  }
}
