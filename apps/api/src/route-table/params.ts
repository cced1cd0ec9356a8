import {
  assertCacheKey,
  assertDeviceId,
  assertIndex,
  assertPattern,
  assertTenant,
  LIMITS,
} from '@org/cache-core';
import { z } from 'zod';

/**
 * A path parameter: its schema (for the document) and the core assert that enforces the same rule
 * on every request (400 CACHE_004), without a zod parse on the hot path.
 */
export interface PathParam {
  readonly schema: z.ZodString;
  readonly check: (value: string) => string;
}

const NO_CONTROL = /^[^\u0000-\u001f\u007f-\u009f]*$/;
const text = (min: number, max: number, description: string) =>
  z.string().min(min).max(max).regex(NO_CONTROL).meta({ description });

export const PARAM = {
  deviceId: {
    schema: text(1, LIMITS.deviceIdMaxLength, 'A device id, URL-encoded (`/` as %2F)'),
    check: assertDeviceId,
  },
  index: {
    schema: text(1, LIMITS.indexMaxLength, 'A reading index (`P`, `T`, ...), URL-encoded'),
    check: assertIndex,
  },
  key: {
    schema: text(
      1,
      LIMITS.keyMaxLength,
      'A cache key, URL-encoded (`/` as %2F, `%` as %25); not `.` or `..`',
    ),
    check: assertCacheKey,
  },
  pattern: {
    schema: text(1, LIMITS.patternMaxLength, 'A glob on keys (`*`, `?`, `[a-z]`, `\\` escapes), URL-encoded'),
    check: assertPattern,
  },
  tenantId: {
    schema: z
      .string()
      .min(1)
      .max(LIMITS.tenantMaxLength)
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/)
      .meta({ description: 'A tenant id' }),
    check: assertTenant,
  },
} as const satisfies Record<string, PathParam>;
