import type { DeviceMetadata, Reading } from './models/device.js';
import type { ValidatedOutput } from './models/validated-output.js';

/**
 * How device state is mapped to and from Redis values. Pure functions shared by every transport,
 * so memory, Redis and HTTP store and return exactly the same shapes.
 */

/** The seed's metadata hash fields; anything else in the hash is an extra metadata key. */
export const METADATA_FIELDS = [
  'datatype_id',
  'datatype_name',
  'datatype_unit',
  'persist',
  'last_updated',
] as const;
const SEED_FIELDS = new Set<string>(METADATA_FIELDS);

/** The JSON body line of a stored reading (everything but device, index and timestamp). */
export function encodeReadingBody(r: Reading): string {
  return JSON.stringify([r.request_id, r.values, r.labels, r.display_names, r.metadata]);
}

type ReadingBody = [
  string | null,
  unknown[],
  string[] | null,
  string[] | null,
  Record<string, unknown> | null,
];

export function decodeReadingBody(deviceId: string, index: string, timestamp: string, body: string): Reading {
  const [request_id, values, labels, display_names, metadata] = JSON.parse(body) as ReadingBody;
  return { device_id: deviceId, index, timestamp, request_id, values, labels, display_names, metadata };
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
  return ['last_updated', m.last_updated, ...metadataValueFields(m)];
}

/**
 * The metadata hash fields but `last_updated`, as one JSON array of strings (field, value, …):
 * what the Lua write decodes when the fields changed, and what their fingerprint is taken of.
 */
export function encodeMetadataBody(m: DeviceMetadata): string {
  return JSON.stringify(metadataValueFields(m));
}

function metadataValueFields(m: DeviceMetadata): string[] {
  const fields = [
    'datatype_id',
    m.datatype_id,
    'datatype_name',
    m.datatype_name,
    'datatype_unit',
    m.datatype_unit ?? '',
    'persist',
    m.persist ? 'true' : 'false',
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
  for (const key of Object.keys(hash)) {
    if (SEED_FIELDS.has(key)) continue;
    // defineProperty: a key named `__proto__` is data, not the prototype
    Object.defineProperty(additional_properties, key, {
      value: parseExtra(hash[key]!),
      enumerable: true,
      writable: true,
      configurable: true,
    });
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
