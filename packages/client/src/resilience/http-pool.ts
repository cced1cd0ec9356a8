import { Agent } from 'undici';

/** The HTTP transport's connection pool, named after section 9.2 of the interface-control document. */
export interface HttpPoolOptions {
  /**
   * Connections the pool is sized for at least (default 5). undici opens connections on demand
   * and keeps them alive: this is a floor of the pool's capacity, not connections opened up front.
   */
  min_size?: number;
  /** Most connections open to the API at once (default 50); further requests queue. */
  max_size?: number;
  /** Seconds an idle keep-alive connection is kept before it is closed (default 300). */
  idle_timeout?: number;
}

export const DEFAULT_HTTP_POOL = { min_size: 5, max_size: 50, idle_timeout: 300 } as const;

/** An undici Agent (the dispatcher of `fetch`) with the pool's bounds; checked before use. */
export function createHttpPool(options: HttpPoolOptions = {}): Agent {
  const min = options.min_size ?? DEFAULT_HTTP_POOL.min_size;
  const max = options.max_size ?? DEFAULT_HTTP_POOL.max_size;
  const idle = options.idle_timeout ?? DEFAULT_HTTP_POOL.idle_timeout;
  if (!Number.isInteger(min) || min < 1 || min > 10_000)
    throw new RangeError('pool.min_size must be 1..10000');
  if (!Number.isInteger(max) || max < min || max > 10_000)
    throw new RangeError('pool.max_size must be an integer from min_size to 10000');
  if (!(idle > 0 && idle <= 86_400)) throw new RangeError('pool.idle_timeout must be in (0, 86400] seconds');
  const idleMs = Math.round(idle * 1000);
  return new Agent({ connections: max, keepAliveTimeout: idleMs, keepAliveMaxTimeout: idleMs });
}
