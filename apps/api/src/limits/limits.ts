import type { RateLimitPolicy } from './rate-limiter.js';

/** Size and rate limits of the API. */
export interface ApiLimits {
  /** null: no rate limiting. */
  rateLimit: RateLimitPolicy | null;
  /** Largest request body, in bytes (413 CACHE_008 above). */
  maxBodyBytes: number;
  /** Largest id or key list of a batch request. */
  maxBatch: number;
  /** Largest reading list of POST /api/devices/readings. */
  maxReadingsBatch: number;
}

export const DEFAULT_LIMITS: ApiLimits = {
  rateLimit: { requests: 6_000, windowSeconds: 60 },
  maxBodyBytes: 12 * 1024 * 1024,
  maxBatch: 1_000,
  maxReadingsBatch: 10_000,
};
