import { ErrorCode, LIMITS } from '@org/cache-core';
import { z } from 'zod';

const CODES = Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]];

export const ErrorEnvelopeSchema = z
  .object({
    error: z.object({
      code: z.enum(CODES),
      message: z.string(),
      details: z.looseObject({
        key: z.string().optional(),
        operation: z.string().optional(),
        timestamp: z.string(),
        request_id: z.string().optional(),
        correlation_id: z.string().optional(),
      }),
    }),
  })
  .meta({ description: 'Every error answer, on every route.' });

/** A JSON value (documented as such; checked by JSON.parse, not walked again). */
export const AnyJson = z
  .unknown()
  .refine((v) => v !== undefined, { message: 'required' })
  .meta({ description: 'Any JSON value' });

/** Seconds: a positive number; 0 or null: never expires; absent: the server default. */
export const TtlSeconds = z
  .number()
  .min(0)
  .max(10 * 365 * 86_400)
  .nullable()
  .optional()
  .meta({
    description: 'Seconds to live; 0 or null: never expires; absent: the server default (CACHE_DEFAULT_TTL)',
  });

/** A cache key or pattern of the body: length and characters are checked by the client (CACHE_004). */
export const KeyString = z
  .string()
  .meta({ description: `1 to ${LIMITS.keyMaxLength} characters, no control characters` });
