import { z } from 'zod';

export const CacheInfo = z.object({
  /** Live devices (expired ones are not counted). */
  total_devices: z.number().int(),
  /** Memory used by the backend (Redis `used_memory`, summed over masters). */
  memory_usage_bytes: z.number().int(),
  /** Write time of the least recently written live device (ISO), or null when empty. */
  oldest_entry_timestamp: z.string().nullable(),
  /** Write time of the most recently written device (ISO), or null when empty. */
  newest_entry_timestamp: z.string().nullable(),
  /** TTL applied to device state on each write, in seconds. */
  ttl_seconds: z.number().int(),
  /** Index entries whose device expired and which the next write will trim. */
  expired_pending: z.number().int(),
  /** Live keys of the generic tenant cache. */
  kv_entries: z.number().int(),
  backend: z.enum(['memory', 'redis', 'redis-cluster', 'http']),
  /** Redis masters behind the cache (1 standalone, 0 memory). */
  nodes: z.number().int(),
  key_prefix: z.string(),
  server_version: z.string().nullable(),
});
export type CacheInfo = z.output<typeof CacheInfo>;

export const HealthState = z.enum(['healthy', 'degraded', 'unhealthy']);
export type HealthState = z.output<typeof HealthState>;

export const HealthStatus = z.object({
  status: HealthState,
  message: z.string(),
  timestamp: z.string(),
  /** Round trip to the slowest node, in milliseconds (absent when unreachable). */
  latency_ms: z.number().optional(),
  backend: z.string().optional(),
});
export type HealthStatus = z.output<typeof HealthStatus>;
