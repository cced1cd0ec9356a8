import { z } from 'zod';

/** Bounds of a cache-type name: 1-64 of `A-Z a-z 0-9 _ . : -`, starting with a letter or digit. */
export const CACHE_TYPE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

export const Consistency = z.enum(['strong', 'eventual']);
export type Consistency = z.output<typeof Consistency>;

/**
 * Options of a tenant-cache write (the interface-control document's `options`, plus the cache
 * type). Absent fields take the cache type's policy, then the deployment's defaults.
 * - `compression`: compress a value whose JSON is at least the threshold (default: on);
 * - `encryption`: encrypt at rest with the active key (default: off; refused without a key);
 * - `consistency`: `strong` waits for a replica to acknowledge the write when the deployment has
 *   replicas; `eventual` (default) does not;
 * - `cacheType`: a cache type of the policy file (its ttl, consistency, compression, encryption).
 */
export const KvWriteOptions = z
  .object({
    compression: z.boolean().optional(),
    encryption: z.boolean().optional(),
    consistency: Consistency.optional(),
    cacheType: z
      .string()
      .regex(CACHE_TYPE_NAME, 'a cache type is 1-64 of A-Z a-z 0-9 _ . : -, starting with a letter or digit')
      .optional(),
  })
  .strict();
export type KvWriteOptions = z.output<typeof KvWriteOptions>;

/** What a strong write found out about replication. */
export interface ReplicationOutcome {
  /** Replicas of the master that took the write (0 on memory and on a Redis without replicas). */
  replicas: number;
  /** How many acknowledged the write within the timeout (WAIT). */
  acknowledged: number;
  /** True when WAIT ran (the deployment has replicas). */
  waited: boolean;
  timeout_ms: number;
}

/** What was applied to a write: the API answers it as `metadata.options`. */
export interface AppliedWriteOptions {
  compression: 'zstd' | 'brotli' | 'none';
  encryption: 'aes-256-gcm' | 'none';
  key_id: string | null;
  consistency: Consistency;
  cache_type: string | null;
  stored_bytes: number;
  value_bytes: number;
  replication?: ReplicationOutcome;
}
