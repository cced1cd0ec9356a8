import { z } from 'zod';

/** A JSON value of the generic cache. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export const JsonValue: z.ZodType<JsonValue> = z.json();

export const CacheEntry = z.object({
  key: z.string(),
  value: JsonValue,
  /** Seconds left, or null when the entry never expires. */
  ttl: z.number().int().nullable(),
  created_at: z.string(),
  expires_at: z.string().nullable(),
  /** Incremented on each write of the key. */
  version: z.number().int(),
});
export type CacheEntry = z.output<typeof CacheEntry>;

export interface SetOptions {
  /** Seconds until the entry expires; absent: the client's default TTL; `null` or 0: never expires. */
  ttl?: number | null;
}

export const TenantStats = z.object({
  tenant: z.string(),
  /** Live keys of the tenant. */
  keys: z.number().int(),
  /** Reads that found a value / found nothing, counted by this client since it started. */
  hits: z.number().int(),
  misses: z.number().int(),
  hit_rate: z.number(),
});
export type TenantStats = z.output<typeof TenantStats>;
