import { DeviceMetadata, DeviceSort, INPUT_BOUNDS, Reading } from '@org/cache-core';
import { z } from 'zod';

const intParam = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a non-negative integer')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

export const ListDevicesQuery = z.object({
  limit: intParam(1, 1000).optional().meta({ description: 'Page size, 1 to 1000 (default 100)' }),
  cursor: z
    .string()
    .min(1)
    .max(INPUT_BOUNDS.maxCursorLength)
    .optional()
    .meta({ description: 'next_cursor of the previous page' }),
  offset: intParam(0, 10_000_000)
    .optional()
    .meta({ description: 'Skip this many devices (slower than a cursor)' }),
  pattern: z
    .string()
    .optional()
    .meta({ description: 'Glob on the device id (`*`, `?`, `[a-z]`, `\\` escapes)' }),
  sort: DeviceSort.optional().meta({ description: '`id` (default) or `updated` (most recent first)' }),
  updated_since: z
    .string()
    .optional()
    .meta({ description: 'Only devices written at or after this instant (ISO 8601 or epoch milliseconds)' }),
});

export const DeviceBatchBody = z
  .object({ device_ids: z.array(z.string()).min(1) })
  .meta({ description: 'Up to API_MAX_BATCH (1000) device ids' });

export const DeviceBatchResponse = z.object({
  /** In the order of `device_ids`; null where the device is unknown. */
  devices: z.array(DeviceMetadata.nullable()),
  found: z.number().int(),
  not_found: z.array(z.string()),
});

export const MetadataBody = z.object({
  datatype_id: z.string().min(1),
  datatype_name: z.string(),
  datatype_unit: z.string().nullable().optional(),
  persist: z.boolean().optional(),
  /** ISO 8601; absent: now. Older than what is stored: ignored (latest wins). */
  last_updated: z.string().optional(),
  additional_properties: z.record(z.string(), z.unknown()).optional(),
});

export const ReadingsBody = z
  .union([z.array(z.unknown()), z.object({ readings: z.array(z.unknown()) })])
  .meta({
    description:
      'ValidatedOutput messages, as a bare array or {readings: [...]}; each is validated on its own',
  });

export const ReadingProblem = z.object({
  position: z.number().int().meta({ description: 'Index of the item in the batch (from 0)' }),
  device_id: z.string().nullable(),
  code: z
    .string()
    .meta({ description: 'CACHE_004 (id), CACHE_007 (shape, depth, timestamp), CACHE_008 (size)' }),
  reason: z.string().meta({
    description:
      'invalid_shape, invalid_timestamp, invalid_id, id_too_long, index_too_long, value_too_deep, message_too_large, too_many_metadata_keys, metadata_key_too_long, metadata_value_too_large, timestamp_in_future, ...',
  }),
  field: z.string(),
  message: z.string(),
});

export const UpsertResponse = z.object({
  written: z
    .number()
    .int()
    .meta({ description: 'Readings that became the latest of their device and index' }),
  stale: z
    .number()
    .int()
    .meta({ description: 'Valid readings older than what is stored (or superseded in the batch)' }),
  invalid: z.number().int(),
  devices: z.number().int(),
  staleSamples: z
    .array(z.object({ device_id: z.string(), index: z.string(), timestamp: z.string() }))
    .meta({ description: 'Up to 10 of the stale readings' }),
  errors: z
    .array(ReadingProblem)
    .meta({ description: 'One entry per invalid reading (position in the batch)' }),
});

export const ReadingsResponse = z.object({ device_id: z.string(), readings: z.array(Reading) });
export const IndexesResponse = z.object({ device_id: z.string(), indexes: z.array(z.string()) });

export const ResetDeviceResponse = z.object({
  device_id: z.string(),
  existed: z.boolean().meta({ description: 'True when the device had metadata, readings or an index entry' }),
});

export const FutureDevicesQuery = z.object({
  after: z
    .string()
    .max(64)
    .optional()
    .meta({ description: 'ISO 8601 instant (default: now + MAX_FUTURE_SKEW)' }),
  limit: intParam(1, 1000).optional().meta({ description: 'Page size, 1 to 1000 (default 100)' }),
  cursor: z
    .string()
    .min(1)
    .max(INPUT_BOUNDS.maxCursorLength)
    .optional()
    .meta({ description: 'next_cursor of the previous page' }),
});

export const FutureDevicesPage = z.object({
  devices: z.array(z.object({ device_id: z.string(), newest_timestamp: z.string() })),
  next_cursor: z.string().nullable().meta({
    description: 'Pass it back to continue; null at the end (a page may be short and still have one)',
  }),
});
