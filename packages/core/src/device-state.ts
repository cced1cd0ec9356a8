import type { DeviceMetadata, Reading } from './models/device.js';
import type { ValidatedOutput } from './models/validated-output.js';

/**
 * How device state is mapped to and from Redis values. Pure functions shared by every transport,
 * so memory, Redis and HTTP store and return exactly the same shapes.
 */

/** The seed's metadata hash fields; anything else in the hash is an extra metadata key. */
export const METADATA_FIELDS = ['datatype_id', 'datatype_name', 'datatype_unit', 'persist', 'last_updated'] as const;
const SEED_FIELDS = new Set<string>(METADATA_FIELDS);

/**
 * A stored reading is compact JSON that always starts with its timestamp, so the Lua scripts can
 * compare timestamps with a substring instead of decoding JSON.
 */
export const STORED_READING_TS_START = '{"timestamp":"'.length + 1; // 1-based, for Lua string.sub
export const STORED_READING_TS_END = STORED_READING_TS_START + 26;

/** The timestamp a stored reading starts with. */
export function storedReadingTimestamp(stored: string): string {
  return stored.slice(STORED_READING_TS_START - 1, STORED_READING_TS_END);
}

export function toReading(message: ValidatedOutput): Reading {
  return {
    device_id: message.device_id,
    index: message.index,
    timestamp: message.timestamp,
    request_id: message.request_id,
    values: message.values,
    labels: message.labels,
    display_names: message.display_names,
    metadata: message.metadata,
  };
}

export function encodeStoredReading(r: Reading): string {
  let json = `{"timestamp":"${r.timestamp}"`;
  if (r.request_id !== null) json += `,"request_id":${JSON.stringify(r.request_id)}`;
  json += `,"values":${JSON.stringify(r.values)}`;
  if (r.labels !== null) json += `,"labels":${JSON.stringify(r.labels)}`;
  if (r.display_names !== null) json += `,"display_names":${JSON.stringify(r.display_names)}`;
  if (r.metadata !== null) json += `,"metadata":${JSON.stringify(r.metadata)}`;
  return `${json}}`;
}

interface StoredReading {
  timestamp: string;
  request_id?: string;
  values: unknown[];
  labels?: string[];
  display_names?: string[];
  metadata?: Record<string, unknown>;
}

export function decodeStoredReading(deviceId: string, index: string, raw: string): Reading {
  const s = JSON.parse(raw) as StoredReading;
  return {
    device_id: deviceId,
    index,
    timestamp: s.timestamp,
    request_id: s.request_id ?? null,
    values: s.values,
    labels: s.labels ?? null,
    display_names: s.display_names ?? null,
    metadata: s.metadata ?? null,
  };
}

/** The device metadata a reading carries, or null when it has none. */
export function metadataFromReading(r: Reading): DeviceMetadata | null {
  const m = r.metadata;
  if (m === null || typeof m.datatype_id !== 'string' || typeof m.datatype_name !== 'string') return null;
  const { datatype_id, datatype_name, datatype_unit, persist, ...additional_properties } = m;
  return {
    device_id: r.device_id,
    datatype_id,
    datatype_name,
    datatype_unit: typeof datatype_unit === 'string' ? datatype_unit : null,
    persist: persist !== false,
    last_updated: r.timestamp,
    additional_properties,
  };
}

/**
 * Hash fields of the metadata key: the seed's five fields as plain strings (`datatype_unit` empty
 * when null, `persist` `true`/`false`), then each extra key JSON-encoded so types survive.
 */
export function encodeMetadataFields(m: DeviceMetadata): string[] {
  const fields = [
    'datatype_id',
    m.datatype_id,
    'datatype_name',
    m.datatype_name,
    'datatype_unit',
    m.datatype_unit ?? '',
    'persist',
    m.persist ? 'true' : 'false',
    'last_updated',
    m.last_updated,
  ];
  for (const key in m.additional_properties) {
    if (SEED_FIELDS.has(key)) continue;
    const value = m.additional_properties[key];
    if (value !== undefined) fields.push(key, JSON.stringify(value));
  }
  return fields;
}

export function decodeMetadataHash(deviceId: string, hash: Record<string, string>): DeviceMetadata | null {
  if (hash.datatype_id === undefined || hash.last_updated === undefined) return null;
  const additional_properties: Record<string, unknown> = {};
  for (const key in hash) {
    if (!SEED_FIELDS.has(key)) additional_properties[key] = parseExtra(hash[key]!);
  }
  return {
    device_id: deviceId,
    datatype_id: hash.datatype_id,
    datatype_name: hash.datatype_name ?? '',
    datatype_unit: hash.datatype_unit ? hash.datatype_unit : null,
    persist: !/^(false|0|no)$/i.test(hash.persist ?? 'true'),
    last_updated: hash.last_updated,
    additional_properties,
  };
}

function parseExtra(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw; // written by another producer as a plain string
  }
}
