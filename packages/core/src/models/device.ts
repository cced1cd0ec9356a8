import { z } from 'zod';

/** The latest metadata of a device, as stored in the seed-compatible hash `device:{id}:metadata`. */
export const DeviceMetadata = z.object({
  device_id: z.string(),
  datatype_id: z.string(),
  datatype_name: z.string(),
  datatype_unit: z.string().nullable(),
  persist: z.boolean(),
  /** Timestamp of the reading this metadata came from (normalized UTC). */
  last_updated: z.string(),
  /** Every other metadata key the parser sent (`datatype_category`, `battery_ok`, …). */
  additional_properties: z.record(z.string(), z.unknown()),
});
export type DeviceMetadata = z.output<typeof DeviceMetadata>;

/** The latest reading of one device for one datatype index. */
export const Reading = z.object({
  device_id: z.string(),
  index: z.string(),
  /** Normalized UTC timestamp of the reading (`2025-06-25T08:57:34.618082Z`). */
  timestamp: z.string(),
  request_id: z.string().nullable(),
  values: z.array(z.unknown()),
  labels: z.array(z.string()).nullable(),
  display_names: z.array(z.string()).nullable(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
});
export type Reading = z.output<typeof Reading>;

/** One entry of a device listing. */
export const DeviceSummary = z.object({
  device_id: z.string(),
  /** When the cache last wrote this device (ISO), derived from the index. */
  updated_at: z.string(),
  /** When the device leaves the cache unless it is written again (ISO). */
  expires_at: z.string(),
});
export type DeviceSummary = z.output<typeof DeviceSummary>;

export const DeviceSort = z.enum(['id', 'updated']);
export type DeviceSort = z.output<typeof DeviceSort>;

export const DevicePage = z.object({
  devices: z.array(DeviceSummary),
  /** Pass it back to get the next page; `null` at the end. A page may be short and still have a cursor. */
  next_cursor: z.string().nullable(),
});
export type DevicePage = z.output<typeof DevicePage>;

export interface ListDevicesOptions {
  /** Page size, 1 to 1000 (default 100). */
  limit?: number;
  /** Opaque cursor from the previous page. */
  cursor?: string | null;
  /** Skip this many devices (the seed's paging); slower than a cursor on deep pages. */
  offset?: number;
  /** Glob on the device id (`*`, `?`, `[a-z]`, `\` escapes), as Redis `MATCH`. */
  pattern?: string;
  /** `id` (default, stable under concurrent writes) or `updated` (most recently written first). */
  sort?: DeviceSort;
  /** Only devices the cache wrote at or after this instant. */
  updatedSince?: Date | string | number;
}

export interface UpsertResult {
  /** Readings that became the latest state of their device and index. */
  written: number;
  /** Readings dropped because a newer one for the same device and index was already there. */
  stale: number;
  /** Devices touched by the batch. */
  devices: number;
  /** Which readings were stale (at most `STALE_SAMPLES_MAX` per call; `stale` has the full count). */
  staleSamples: StaleSample[];
}

/** One stale reading: its device, index and the timestamp that lost. */
export interface StaleSample {
  device_id: string;
  index: string;
  timestamp: string;
}

/** Most stale readings an `UpsertResult` names. */
export const STALE_SAMPLES_MAX = 10;

/** What `resetDevice` answers. */
export interface ResetDeviceResult {
  device_id: string;
  /** True when the device had metadata, readings or an index entry. */
  existed: boolean;
}

/** A device whose newest reading or `last_updated` is after the `after` of `listFutureDevices`. */
export interface FutureDevice {
  device_id: string;
  /** The newer of its newest reading's timestamp and its metadata `last_updated` (normalized). */
  newest_timestamp: string;
}

export interface FutureDevicePage {
  devices: FutureDevice[];
  /** Pass it back to continue; `null` at the end. A page may be short (bounded work per call) and still have one. */
  next_cursor: string | null;
}

export interface ListFutureDevicesOptions {
  /** ISO 8601 instant; default now + the client's `maxFutureSkewMs`. */
  after?: string;
  /** Page size, 1 to 1000 (default 100). */
  limit?: number;
  cursor?: string | null;
}
