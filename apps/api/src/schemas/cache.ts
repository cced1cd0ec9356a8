import { CacheEntry, INPUT_BOUNDS, TenantStats } from '@org/cache-core';
import { z } from 'zod';
import { AppliedOptions, CacheRequest, WriteOptionsBody } from './cache-options.js';
import { AnyJson, KeyString, TtlSeconds } from './common.js';

// ---- v1 (the seed's generic cache) ----

export const V1SetBody = z.object({ key: KeyString, value: AnyJson, ttl: TtlSeconds }).strict();
export const V1InvalidateBody = z
  .object({ pattern: KeyString.meta({ description: 'Glob on the keys of the tenant' }) })
  .strict();
export const V1Entry = CacheEntry.meta({ description: 'A cache entry; ttl: seconds left (null: no expiry)' });
export const V1SetResponse = CacheEntry.omit({ value: true }).extend({ tenant: z.string() });
export const V1DeleteResponse = z.object({ key: z.string(), deleted: z.boolean() });
export const V1CountResponse = z.object({ tenant: z.string(), deleted: z.number().int() });
export const V1InvalidateResponse = V1CountResponse.extend({ pattern: z.string() });

// ---- v2 (the interface-control document) ----

export const EntryMetadata = z.object({
  created_at: z.string(),
  expires_at: z.string().nullable(),
  version: z.number().int(),
  ttl: z.number().int().nullable().meta({ description: 'Seconds left; null: no expiry' }),
});

/** The metadata of a v2 write: the entry's, and the options applied. */
export const WriteMetadata = EntryMetadata.extend({ options: AppliedOptions.optional() });

export const V2Entry = z.object({
  status: z.literal('success'),
  key: z.string(),
  data: AnyJson,
  metadata: EntryMetadata,
});

/** A v2 write: the plain form `{value, ttl, options}` or the document's `{"cache_request": {…}}`. */
export const V2SetBody = z.union([
  z.object({ value: AnyJson, ttl: TtlSeconds, options: WriteOptionsBody.optional() }).strict(),
  z.object({ cache_request: CacheRequest }).strict(),
]);
export type V2SetBody = z.output<typeof V2SetBody>;
export const V2SetResponse = z.object({
  status: z.literal('success'),
  key: z.string(),
  data: z.null(),
  metadata: WriteMetadata,
});

export const V2DeleteResponse = z.object({
  status: z.literal('success'),
  key: z.string(),
  data: z.object({ deleted: z.literal(true) }),
  metadata: z.object({ deleted_at: z.string() }),
});

export const V2BatchBody = z.discriminatedUnion('operation', [
  z.object({ operation: z.literal('get'), keys: z.array(KeyString).min(1) }).strict(),
  z
    .object({
      operation: z.literal('set'),
      items: z
        .array(
          z.union([
            z
              .object({
                key: KeyString,
                value: AnyJson,
                ttl: TtlSeconds,
                options: WriteOptionsBody.optional(),
              })
              .strict(),
            z.object({ cache_request: CacheRequest.required({ key: true }) }).strict(),
          ]),
        )
        .min(1)
        .meta({ description: 'each item plain ({key, value, ttl, options}) or {"cache_request": {…}}' }),
    })
    .strict(),
  z.object({ operation: z.literal('delete'), keys: z.array(KeyString).min(1) }).strict(),
]);

export const V2BatchItem = z.object({
  key: z.string(),
  found: z.boolean(),
  expired: z
    .boolean()
    .optional()
    .meta({ description: 'get: true when the key expired (its TTL ran out) rather than never existed' }),
  data: AnyJson.optional(),
  metadata: WriteMetadata.optional(),
});

export const V2BatchResponse = z.object({
  status: z.literal('success'),
  data: z.object({
    items: z
      .array(V2BatchItem)
      .optional()
      .meta({ description: 'get and set: one per key, in request order' }),
    deleted: z.number().int().optional().meta({ description: 'delete: how many keys existed' }),
  }),
  metadata: z.object({
    operation: z.enum(['get', 'set', 'delete']),
    count: z.number().int(),
    found: z.number().int().optional(),
  }),
});

export const V2ListQuery = z.object({
  limit: z
    .string()
    .regex(/^\d+$/, 'must be an integer')
    .transform(Number)
    .pipe(z.number().int().min(1).max(1000))
    .optional()
    .meta({ description: '1 to 1000 (default 100)' }),
  cursor: z
    .string()
    .min(1)
    .max(INPUT_BOUNDS.maxCursorLength)
    .optional()
    .meta({ description: 'next_cursor of the previous page' }),
});

export const V2KeyPage = z.object({
  status: z.literal('success'),
  data: z.object({ keys: z.array(z.string()), next_cursor: z.string().nullable() }),
  metadata: z.object({ pattern: z.string(), count: z.number().int() }),
});

export const V2Stats = z.object({
  status: z.literal('success'),
  data: TenantStats,
  metadata: z.object({ timestamp: z.string() }),
});

export const V2FlushBody = z
  .object({
    scope: z.enum(['tenant', 'all']).optional().meta({
      description:
        '`tenant` (default, also for an empty body): the X-Tenant-ID tenant; `all`: every tenant and device',
    }),
  })
  .strict();

export const V2FlushResponse = z.object({
  status: z.literal('success'),
  data: z.object({
    flushed: z.literal(true),
    scope: z.enum(['tenant', 'all']),
    tenant: z.string().optional(),
    deleted: z.number().int().optional().meta({ description: 'Keys of the tenant that were deleted' }),
  }),
  metadata: z.object({ timestamp: z.string() }),
});

export const V2Simple = z.object({
  status: z.literal('success'),
  data: z.record(z.string(), z.unknown()),
  metadata: z.object({ timestamp: z.string() }),
});
