import { z } from 'zod';
import { LIMITS } from '../ids.js';
import { normalizeTimestamp } from '../timestamp.js';

/** An ISO 8601 date-time, zone-less meaning UTC, normalized to `YYYY-MM-DDTHH:MM:SS.ffffffZ`. */
export const IsoTimestamp = z.string().transform((text, ctx) => {
  const normalized = normalizeTimestamp(text);
  if (normalized === null) {
    ctx.issues.push({ code: 'custom', message: 'not an ISO 8601 date-time', input: text });
    return z.NEVER;
  }
  return normalized;
});

const controlFree = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[^\u0000-\u001f\u007f-\u009f]*$/, 'must not contain control characters');

/** The datatype metadata a parser attaches to a reading; unknown keys are kept. */
export const ReadingMetadata = z.looseObject({
  datatype_id: z.string(),
  datatype_name: z.string(),
  datatype_unit: z
    .string()
    .nullish()
    .transform((u) => u ?? null),
  persist: z
    .boolean()
    .nullish()
    .transform((p) => p ?? true),
});
export type ReadingMetadata = z.output<typeof ReadingMetadata>;

const ValidatedOutputShape = z.object({
  device_id: controlFree(LIMITS.deviceIdMaxLength).min(1, 'must not be empty'),
  request_id: z
    .string()
    .nullish()
    .transform((r) => r ?? null),
  timestamp: IsoTimestamp,
  values: z.array(z.unknown()),
  labels: z
    .array(z.string())
    .nullish()
    .transform((l) => l ?? null),
  display_names: z
    .array(z.string())
    .nullish()
    .transform((d) => d ?? null),
  index: controlFree(LIMITS.indexMaxLength).default(''),
  metadata: ReadingMetadata.nullish().transform((m) => m ?? null),
});

/**
 * One message of `iot_validated_data`, as the Python (pydantic) validator publishes it.
 * Older producers send `label` instead of `labels`: it is accepted as an alias.
 */
export const ValidatedOutput = z.preprocess((input) => {
  if (input && typeof input === 'object' && !Array.isArray(input) && 'label' in input) {
    const { label, ...rest } = input as Record<string, unknown>;
    return rest.labels === undefined || rest.labels === null ? { ...rest, labels: label } : rest;
  }
  return input;
}, ValidatedOutputShape);
export type ValidatedOutput = z.output<typeof ValidatedOutput>;
/** What a producer may send (before defaults and normalization). */
export type ValidatedOutputInput = z.input<typeof ValidatedOutputShape> & { label?: string[] | null };
