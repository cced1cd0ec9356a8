import type { EventReaderLimits } from './event-readers.js';
import type { RateLimitPolicy } from './rate-limiter.js';

/** Size and rate limits of the API. */
export interface ApiLimits {
  /** Requests per principal (auth on) or client address (auth off); null: no rate limiting. */
  rateLimit: RateLimitPolicy | null;
  /**
   * Failed authentications per client address before 429; null: not limited. Applied by the
   * authenticator's guard (`AuthConfig.failures = authFailureGuard(client, limits)`, as bootstrap does).
   */
  authFailureLimit: RateLimitPolicy | null;
  /** Largest request body, in bytes (413 CACHE_008 above, and the connection is closed). */
  maxBodyBytes: number;
  /** Largest id or key list of a batch request. */
  maxBatch: number;
  /** Largest reading list of POST /api/devices/readings. */
  maxReadingsBatch: number;
  /** Readings and metadata stamped further than this in the future are refused (ms; env MAX_FUTURE_SKEW, s). */
  maxFutureSkewMs: number;
  /** Change-feed (SSE) readers at once per process and per caller (429 above; env EVENT_READERS_MAX, EVENT_READERS_PER_CALLER). */
  eventReaders: EventReaderLimits;
}

export const DEFAULT_LIMITS: ApiLimits = {
  rateLimit: { requests: 6_000, windowSeconds: 60 },
  authFailureLimit: { requests: 20, windowSeconds: 60 },
  maxBodyBytes: 12 * 1024 * 1024,
  maxBatch: 1_000,
  maxReadingsBatch: 10_000,
  maxFutureSkewMs: 300_000, // core's DEFAULT_MAX_FUTURE_SKEW_MS
  eventReaders: { perProcess: 256, perCaller: 32 },
};
