import { CACHE_TYPE_NAME, Consistency, type KvWriteOptions, ValidationError } from '@org/cache-core';
import { z } from 'zod';
import { AnyJson, KeyString, TtlSeconds } from './common.js';

/** The interface-control document's `options` of a write (section 2.1.3), plus the cache type. */
export const WriteOptionsBody = z
  .object({
    consistency: Consistency.optional().meta({
      description:
        '`strong`: wait (bounded) for a replica to acknowledge the write when the deployment has replicas; `eventual` (default): do not',
    }),
    compression: z.boolean().optional().meta({
      description: 'compress a value whose JSON reaches the threshold (default true)',
    }),
    encryption: z.boolean().optional().meta({
      description: 'encrypt at rest (AES-256-GCM); 400 CACHE_007 when the server has no encryption key',
    }),
    cache_type: z.string().regex(CACHE_TYPE_NAME).optional().meta({
      description:
        "a cache type of the policy file: its ttl, consistency, compression and encryption are the write's defaults",
    }),
  })
  .strict();
export type WriteOptionsBody = z.output<typeof WriteOptionsBody>;

/** The document's request: `{"cache_request": {key, value, ttl, options}}`. */
export const CacheRequest = z
  .object({
    key: KeyString.optional().meta({
      description: 'the key (on PUT /api/v2/cache/{key}: equal to the path, or absent)',
    }),
    value: AnyJson,
    ttl: TtlSeconds,
    options: WriteOptionsBody.optional(),
  })
  .strict();

export const AppliedOptions = z
  .object({
    compression: z.enum(['zstd', 'brotli', 'none']),
    encryption: z.enum(['aes-256-gcm', 'none']),
    key_id: z.string().nullable(),
    consistency: Consistency,
    cache_type: z.string().nullable(),
    stored_bytes: z.number().int(),
    value_bytes: z.number().int(),
    replication: z
      .object({
        replicas: z.number().int(),
        acknowledged: z.number().int(),
        waited: z.boolean(),
        timeout_ms: z.number().int(),
      })
      .optional()
      .meta({
        description: 'strong writes: the replicas of the master, and how many acknowledged within timeout_ms',
      }),
  })
  .meta({ description: 'What was applied to the write' });

/** The client's spelling of wire options. */
export function toKvOptions(o: WriteOptionsBody | undefined): KvWriteOptions {
  if (!o) return {};
  const out: KvWriteOptions = {};
  if (o.compression !== undefined) out.compression = o.compression;
  if (o.encryption !== undefined) out.encryption = o.encryption;
  if (o.consistency !== undefined) out.consistency = o.consistency;
  if (o.cache_type !== undefined) out.cacheType = o.cache_type;
  return out;
}

/** One write of a v2 request, whichever form it came in. */
export interface WriteRequest {
  key: string;
  value: unknown;
  ttl: number | null | undefined;
  options: KvWriteOptions;
}

type PlainOrEnvelope =
  | { value: unknown; ttl?: number | null; options?: WriteOptionsBody; key?: string }
  | { cache_request: { key?: string; value: unknown; ttl?: number | null; options?: WriteOptionsBody } };

/**
 * The write a body asks for: the plain form or the document's `cache_request` envelope. On
 * `PUT /api/v2/cache/{key}` an envelope's `key`, when given, must equal the path's (CACHE_007).
 */
export function writeRequestOf(body: PlainOrEnvelope, pathKey?: string): WriteRequest {
  const r = 'cache_request' in body ? body.cache_request : body;
  const key = pathKey ?? r.key;
  if (key === undefined || (pathKey !== undefined && r.key !== undefined && r.key !== pathKey)) {
    throw new ValidationError('cache_request.key must equal the key of the path', {
      details: { field: 'cache_request.key' },
    });
  }
  return { key, value: r.value, ttl: r.ttl, options: toKvOptions(r.options) };
}
