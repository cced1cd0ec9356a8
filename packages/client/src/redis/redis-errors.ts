import {
  CacheError,
  classifyConnectionMessage,
  classifyRedisReply,
  ErrorCode,
  redisReplyPrefix,
  StorageFullError,
  TimeoutError,
  UnavailableError,
} from '@org/cache-core';

/**
 * Turns an ioredis failure into the cache's typed errors, classed by `failure-class.ts`:
 * - an error reply (`ReplyError`: ERR, a Lua error, WRONGTYPE…) is about this command: permanent,
 *   CACHE_010, except LOADING / TRYAGAIN / CLUSTERDOWN / MASTERDOWN / BUSY / READONLY (transient,
 *   CACHE_006), OOM (CACHE_003) and NOAUTH / WRONGPASS / NOPERM (fatal, CACHE_006 not retriable);
 * - a connection failure or timeout is transient (CACHE_006 / CACHE_005).
 * The message names only the operation: the Redis text (script sha, line, value) stays in `cause`.
 */
export function mapRedisError(error: unknown, operation: string): CacheError {
  if (error instanceof CacheError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const isReply = (error as { name?: unknown } | null)?.name === 'ReplyError';
  if (isReply) {
    const prefix = redisReplyPrefix(message);
    const details = { operation, redis_error: prefix };
    if (prefix === 'OOM') {
      return new StorageFullError(`Redis is out of memory (${operation})`, { cause: error, details });
    }
    switch (classifyRedisReply(message)) {
      case 'transient':
        return new UnavailableError(`Redis is unavailable (${operation})`, {
          cause: error,
          details,
          failure: 'transient',
        });
      case 'fatal':
        return new UnavailableError(`Redis refused the credentials or permissions (${operation})`, {
          cause: error,
          details,
          failure: 'fatal',
        });
      default:
        return new CacheError(ErrorCode.INTERNAL, `Redis refused ${operation}`, {
          cause: error,
          details,
          failure: 'permanent',
        });
    }
  }
  const details = { operation };
  if (/timed out|ETIMEDOUT/i.test(message)) {
    return new TimeoutError(`Redis did not answer ${operation} in time`, { cause: error, details });
  }
  if (/NOAUTH|WRONGPASS|NOPERM|invalid password|invalid username/i.test(message)) {
    return new UnavailableError(`Redis refused the credentials or permissions (${operation})`, {
      cause: error,
      details,
      failure: 'fatal',
    });
  }
  if (classifyConnectionMessage(message) === 'transient') {
    return new UnavailableError(`Redis is unavailable (${operation})`, { cause: error, details });
  }
  // Not a Redis answer and not the connection: a bug or an encoding failure on this side.
  return new CacheError(ErrorCode.INTERNAL, `the cache failed on ${operation}`, {
    cause: error,
    details,
    failure: 'permanent',
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
