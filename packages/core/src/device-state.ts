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

/**
 * All readings of a device are one Redis string, a head line then one body line per reading:
 *
 *     <timestamp><index>\t<timestamp><index>\t…\n[request_id,values,labels,display_names,metadata]\n…
 *
 * Timestamps are fixed width (27 chars), indexes hold no control characters and JSON.stringify
 * never emits a raw newline, so the framing is unambiguous. The Lua write reads only the short
 * head to decide "latest wins", and in the common case (every stored index is superseded) stores
 * the string the client built without touching the bodies. One string per device is also one
 * allocation: a hash would switch to its hashtable encoding (values over 64 bytes) and cost about
 * 300 more bytes per device.
 */
export const TIMESTAMP_LENGTH = 27;

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

/** The stored string of a device's readings (see above). */
export function encodeReadingsBlob(readings: readonly Reading[]): string {
  let head = '';
  let body = '';
  for (const r of readings) {
    head += `${r.timestamp}${r.index}\t`;
    body += `\n${encodeReadingBody(r)}`;
  }
  return head + body;
}

/** The readings of a device, sorted by index, from its stored string (null: none). */
export function decodeReadingsBlob(deviceId: string, blob: string | null): Reading[] {
  if (blob === null || blob === '') return [];
  const newline = blob.indexOf('\n');
  const lines = blob.slice(newline + 1).split('\n');
  const readings: Reading[] = [];
  for (let pos = 0, i = 0; pos < newline; i++) {
    const tab = blob.indexOf('\t', pos + TIMESTAMP_LENGTH);
    const timestamp = blob.slice(pos, pos + TIMESTAMP_LENGTH);
    const index = blob.slice(pos + TIMESTAMP_LENGTH, tab);
    readings.push(decodeReadingBody(deviceId, index, timestamp, lines[i]!));
    pos = tab + 1;
  }
  return readings.sort((a, b) => (a.index < b.index ? -1 : a.index > b.index ? 1 : 0));
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
