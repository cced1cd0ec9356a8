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

const CONTROL_FREE = /^[^\u0000-\u001f\u007f-\u009f]*$/;
const controlFree = (max: number) =>
  z.string().max(max).regex(CONTROL_FREE, 'must not contain control characters');
const strings = z.array(z.string()).nullable().optional();

/** The datatype metadata a parser attaches to a reading, as sent; unknown keys are kept. */
const ReadingMetadataInput = z.looseObject({
  datatype_id: z.string(),
  datatype_name: z.string(),
  datatype_unit: z.string().nullable().optional(),
  persist: z.boolean().nullable().optional(),
});

/** The metadata of a reading after defaults: `datatype_unit` null when absent, `persist` true. */
export type ReadingMetadata = z.output<typeof ReadingMetadataInput> & {
  datatype_unit: string | null;
  persist: boolean;
};

/**
 * One message of `iot_validated_data`, as the Python (pydantic) validator publishes it.
 * Older producers send `label` instead of `labels`: it is accepted as an alias.
 * Checks are plain zod types; defaults and normalization happen in one final step (this schema
 * runs once per Kafka message, so it avoids a transform per field).
 */
export const ValidatedOutput = z
  .object({
    device_id: controlFree(LIMITS.deviceIdMaxLength).min(1, 'must not be empty'),
    request_id: z.string().nullable().optional(),
    timestamp: z.string(),
    values: z.array(z.unknown()),
    labels: strings,
    label: strings,
    display_names: strings,
    index: controlFree(LIMITS.indexMaxLength).optional(),
    metadata: ReadingMetadataInput.nullable().optional(),
  })
  .transform((m, ctx) => {
    const timestamp = normalizeTimestamp(m.timestamp);
    if (timestamp === null) {
      ctx.issues.push({
        code: 'custom',
        message: 'not an ISO 8601 date-time',
        input: m.timestamp,
        path: ['timestamp'],
      });
      return z.NEVER;
    }
    const meta = m.metadata;
    return {
      device_id: m.device_id,
      request_id: m.request_id ?? null,
      timestamp,
      values: m.values,
      labels: m.labels ?? m.label ?? null,
      display_names: m.display_names ?? null,
      index: m.index ?? '',
      metadata:
        meta == null
          ? null
          : ({
              ...meta,
              datatype_unit: meta.datatype_unit ?? null,
              persist: meta.persist ?? true,
            } as ReadingMetadata),
    };
  });
export type ValidatedOutput = z.output<typeof ValidatedOutput>;
/** What a producer may send (before defaults and normalization). */
export type ValidatedOutputInput = z.input<typeof ValidatedOutput>;
