import { LIMITS } from './ids.js';
import { type InputProblem, problem } from './input-problem.js';
import { checkJsonValue, flatValuesFit, measureValue, NUMBER_CHARS } from './json-measure.js';
import type { DeviceMetadata, Reading } from './models/device.js';
import { timestampFromMillis } from './timestamp.js';

export { type BoundsReason, type InputProblem, inputProblemError } from './input-problem.js';
export { checkJsonDepth, checkJsonValue } from './json-measure.js';

/**
 * Bounds of everything a producer or a caller hands the cache, checked before anything reaches
 * Redis (documented in the package README). Sizes are counted in characters of the JSON text
 * (strings by their length plus quotes, numbers as 8): an estimate that needs no `JSON.stringify`.
 */
export const INPUT_BOUNDS = {
  /** One reading (or one Kafka message) as JSON. */
  maxMessageBytes: 1_048_576,
  /** Nesting of arrays and objects: `values` (`[1]` is 1 deep), each metadata value, a tenant-cache value. */
  maxValueDepth: 32,
  /** Metadata keys besides the seed's five (`datatype_id`, `datatype_name`, `datatype_unit`, `persist`, `last_updated`). */
  maxMetadataKeys: 64,
  maxMetadataKeyLength: 128,
  /** One metadata value as JSON (the seed's string fields included). */
  maxMetadataValueBytes: 16_384,
  maxRequestIdLength: 1_024,
  /** Longest tenant-cache TTL (10 years); beyond it Redis cannot hold the expiry. */
  maxTtlSeconds: 315_360_000,
  /** Longest listing cursor a caller may pass back. */
  maxCursorLength: 1_024,
  /** Largest `offset` of a device listing (the seed's paging; a cursor has no limit). */
  maxListOffset: 10_000_000,
  deviceIdMaxLength: LIMITS.deviceIdMaxLength,
  indexMaxLength: LIMITS.indexMaxLength,
  tenantMaxLength: LIMITS.tenantMaxLength,
  keyMaxLength: LIMITS.keyMaxLength,
  patternMaxLength: LIMITS.patternMaxLength,
} as const;

/** How far ahead of the checker's clock a reading may be stamped (5 minutes). */
export const DEFAULT_MAX_FUTURE_SKEW_MS = 300_000;

/** The largest future skew a setting may allow (365 days, in seconds): the same bound in every app. */
export const MAX_FUTURE_SKEW_SETTING_SECONDS = 31_536_000;

export interface BoundsOptions {
  /** The checker's clock (epoch ms). */
  nowMs: number;
  maxFutureSkewMs: number;
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /\p{Cs}/u;
/** Cheap pre-test: no control character and no surrogate at all (the usual text) needs no more checks. */
const SUSPECT = /[\u0000-\u001f\u007f-\u009f\uD800-\uDFFF]/;
const SEED_FIELDS = new Set(['datatype_id', 'datatype_name', 'datatype_unit', 'persist', 'last_updated']);

/** True when `s` holds no control character and no surrogate (a loop: faster than a RegExp on short text). */
function plainText(s: string): boolean {
  if (s.length > 64) return !SUSPECT.test(s);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && (c <= 0x9f || (c >= 0xd800 && c <= 0xdfff)))) return false;
  }
  return true;
}

/**
 * Metadata keys already found valid (few distinct keys recur in every reading): one lookup
 * instead of the checks. Bounded: cleared when full.
 */
const KNOWN_KEYS = new Map<string, boolean>();
const KNOWN_KEYS_MAX = 4_096;
/** The keys (and whether each is a seed field) of the metadata checked last, by position. */
interface KeyShape {
  keys: string[];
  seed: boolean[];
}
const SHAPE_MAX = 16;

/** Reading indexes already found valid (a handful recur: T, U, P…); bounded the same way. */
const KNOWN_INDEXES = new Set<unknown>();

function checkId(value: unknown, field: string, max: number, allowEmpty: boolean): InputProblem | null {
  if (typeof value !== 'string') return problem('invalid_id', field, `${field} must be a string`);
  if (value.length > max) {
    return problem(
      field === 'index' ? 'index_too_long' : 'id_too_long',
      field,
      `${field} is longer than ${max} characters`,
    );
  }
  if (!allowEmpty && value.length === 0) return problem('invalid_id', field, `${field} must not be empty`);
  if (plainText(value)) return null;
  if (CONTROL.test(value))
    return problem('invalid_id', field, `${field} must not contain control characters`);
  if (LONE_SURROGATE.test(value)) return problem('invalid_id', field, `${field} must be valid unicode`);
  return null;
}

/** The characters of a string array (or null), or its problem. */
function stringArrayChars(value: unknown, field: string): InputProblem | number {
  if (value == null) return 4;
  if (!Array.isArray(value)) {
    return problem('invalid_shape', field, `${field} must be an array of strings or null`);
  }
  let chars = 2;
  for (let i = 0; i < value.length; i++) {
    const item = value[i];
    if (typeof item !== 'string') return problem('invalid_shape', field, `${field} must hold only strings`);
    chars += item.length + 3;
  }
  return chars;
}

/**
 * The metadata keys and values of a reading or of a device's metadata: at most `maxMetadataKeys`
 * extra keys, each key at most `maxMetadataKeyLength` and valid unicode, each value within
 * `maxMetadataValueBytes` and `maxValueDepth`. Returns the characters counted, or the problem.
 */
function checkMetadataEntries(
  entries: Record<string, unknown>,
  prefix: string,
  shape: KeyShape = { keys: [], seed: [] },
): InputProblem | number {
  let extra = 0;
  let chars = 2;
  let at = 0;
  for (const key in entries) {
    // consecutive readings usually carry the same keys in the same order: an identity compare
    // (property names are interned) instead of a lookup
    let seed: boolean | undefined = shape.keys[at] === key ? shape.seed[at] : KNOWN_KEYS.get(key);
    if (seed === undefined) {
      if (!Object.hasOwn(entries, key)) continue;
      const p = keyProblem(key, prefix);
      if (p) return p;
      seed = SEED_FIELDS.has(key);
      if (KNOWN_KEYS.size >= KNOWN_KEYS_MAX) KNOWN_KEYS.clear();
      KNOWN_KEYS.set(key, seed);
    }
    if (at < SHAPE_MAX) {
      shape.keys[at] = key;
      shape.seed[at] = seed;
    }
    at++;
    if (!seed && ++extra > INPUT_BOUNDS.maxMetadataKeys) {
      return problem(
        'too_many_metadata_keys',
        prefix,
        `${prefix} has more than ${INPUT_BOUNDS.maxMetadataKeys} keys besides the datatype fields`,
      );
    }
    const value = entries[key];
    let size: number;
    if (typeof value === 'string') {
      if (seed && SUSPECT.test(value) && LONE_SURROGATE.test(value)) {
        return problem(
          'invalid_unicode',
          fieldOf(prefix, key),
          `${fieldOf(prefix, key)} must be valid unicode`,
        );
      }
      size = value.length + 2;
    } else if (typeof value === 'number' || typeof value === 'boolean' || value === null) size = NUMBER_CHARS;
    else {
      const measured = measureValue(
        value,
        fieldOf(prefix, key),
        INPUT_BOUNDS.maxMetadataValueBytes,
        'metadata_value_too_large',
        INPUT_BOUNDS.maxValueDepth,
      );
      if (typeof measured !== 'number') return measured;
      size = measured;
    }
    if (size > INPUT_BOUNDS.maxMetadataValueBytes) {
      return problem(
        'metadata_value_too_large',
        fieldOf(prefix, key),
        `${fieldOf(prefix, key)} is larger than ${INPUT_BOUNDS.maxMetadataValueBytes} bytes as JSON`,
      );
    }
    chars += key.length + 4 + size;
  }
  return chars;
}

/** Why a metadata key is refused, or null. */
function keyProblem(key: string, prefix: string): InputProblem | null {
  if (key.length > INPUT_BOUNDS.maxMetadataKeyLength) {
    return problem(
      'metadata_key_too_long',
      fieldOf(prefix, key),
      `a ${prefix} key is longer than ${INPUT_BOUNDS.maxMetadataKeyLength} characters`,
    );
  }
  if (!plainText(key) && (LONE_SURROGATE.test(key) || CONTROL.test(key))) {
    return problem(
      'invalid_unicode',
      fieldOf(prefix, key),
      `a ${prefix} key must be valid unicode without control characters`,
    );
  }
  if (key === '__proto__') {
    return problem('metadata_key_reserved', fieldOf(prefix, key), `a ${prefix} key must not be "__proto__"`);
  }
  return null;
}

/** `metadata.<key>` for error messages (a long key cut). */
function fieldOf(prefix: string, key: string): string {
  return `${prefix}.${key.length > 64 ? `${key.slice(0, 64)}…` : key}`;
}

/** The latest normalized timestamp accepted at `nowMs` (a string: normalized stamps compare as text). */
function futureLimit(options: BoundsOptions): string {
  const limit = options.nowMs + options.maxFutureSkewMs;
  if (!Number.isFinite(limit) || limit >= Date.UTC(10_000, 0, 1)) return '\uffff';
  return timestampFromMillis(Math.max(limit, Date.UTC(0, 0, 1)));
}

/** `YYYY-MM-DDTHH:MM:SS.ffffffZ`, checked character by character. */
function isNormalizedStamp(s: string): boolean {
  if (s.length !== 27) return false;
  for (let i = 0; i < 27; i++) {
    const c = s.charCodeAt(i);
    const want = STAMP_SHAPE.charCodeAt(i);
    if (want === 0x39 /* 9: a digit */ ? c < 0x30 || c > 0x39 : c !== want) return false;
  }
  return true;
}
const STAMP_SHAPE = '9999-99-99T99:99:99.999999Z';

function checkStamp(stamp: unknown, field: string, limit: string): InputProblem | null {
  if (typeof stamp !== 'string' || !isNormalizedStamp(stamp)) {
    return problem('invalid_timestamp', field, `${field} must be a normalized UTC timestamp (use toReading)`);
  }
  if (stamp > limit) {
    return problem(
      'timestamp_in_future',
      field,
      `${field} is further in the future than the allowed clock skew`,
    );
  }
  return null;
}

/**
 * A checker of readings for one clock reading (the future limit is computed once): returns the
 * first problem of a reading, or null when it is within every bound.
 */
export function readingBoundsChecker(options: BoundsOptions): (reading: Reading) => InputProblem | null {
  const limit = futureLimit(options);
  let lastId: unknown = null;
  let lastStamp: unknown = null;
  const shape: KeyShape = { keys: [], seed: [] };
  return (r) => {
    if (r === null || typeof r !== 'object')
      return problem('invalid_shape', 'reading', 'a reading must be an object');
    // The readings of one message share device and timestamp: what passed just before is not checked again.
    if (r.device_id !== lastId || typeof r.device_id !== 'string') {
      const p = checkId(r.device_id, 'device_id', INPUT_BOUNDS.deviceIdMaxLength, false);
      if (p) return p;
      lastId = r.device_id;
    }
    if (!KNOWN_INDEXES.has(r.index)) {
      const p = checkId(r.index, 'index', INPUT_BOUNDS.indexMaxLength, true);
      if (p) return p;
      if (KNOWN_INDEXES.size >= KNOWN_KEYS_MAX) KNOWN_INDEXES.clear();
      KNOWN_INDEXES.add(r.index);
    }
    if (r.timestamp !== lastStamp || typeof r.timestamp !== 'string') {
      const p = checkStamp(r.timestamp, 'timestamp', limit);
      if (p) return p;
      lastStamp = r.timestamp;
    }
    // absent (undefined) optional fields are stored as null, like JSON.stringify does
    if (r.request_id != null && typeof r.request_id !== 'string') {
      return problem('invalid_shape', 'request_id', 'request_id must be a string or null');
    }
    if (r.request_id != null && r.request_id.length > INPUT_BOUNDS.maxRequestIdLength) {
      return problem(
        'request_id_too_long',
        'request_id',
        `request_id is longer than ${INPUT_BOUNDS.maxRequestIdLength} characters`,
      );
    }
    if (!Array.isArray(r.values)) return problem('invalid_shape', 'values', 'values must be an array');
    const labels = stringArrayChars(r.labels, 'labels');
    if (typeof labels !== 'number') return labels;
    const names = stringArrayChars(r.display_names, 'display_names');
    if (typeof names !== 'number') return names;
    let budget = INPUT_BOUNDS.maxMessageBytes - r.device_id.length - r.index.length - 100 - labels - names;
    if (r.request_id != null) budget -= r.request_id.length;
    if (r.metadata !== null) {
      if (typeof r.metadata !== 'object' || Array.isArray(r.metadata)) {
        return problem('invalid_shape', 'metadata', 'metadata must be an object or null');
      }
      const m = checkMetadataEntries(r.metadata, 'metadata', shape);
      if (typeof m !== 'number') return m;
      budget -= m;
    }
    if (budget < 0)
      return problem(
        'message_too_large',
        'reading',
        `the reading is larger than ${INPUT_BOUNDS.maxMessageBytes} bytes as JSON`,
      );
    return flatValuesFit(r.values, budget)
      ? null
      : checkJsonValue(r.values, 'values', budget, 'message_too_large', INPUT_BOUNDS.maxValueDepth);
  };
}

/** The first problem of one reading, or null (see `readingBoundsChecker` to check many). */
export function checkReadingBounds(reading: Reading, options: BoundsOptions): InputProblem | null {
  return readingBoundsChecker(options)(reading);
}

/** The first problem of a device's metadata (ids, seed fields, extra keys, `last_updated`), or null. */
export function checkMetadataBounds(metadata: DeviceMetadata, options: BoundsOptions): InputProblem | null {
  if (metadata === null || typeof metadata !== 'object') {
    return problem('invalid_shape', 'metadata', 'metadata must be an object');
  }
  const id = checkId(metadata.device_id, 'device_id', INPUT_BOUNDS.deviceIdMaxLength, false);
  if (id) return id;
  for (const field of ['datatype_id', 'datatype_name'] as const) {
    if (typeof metadata[field] !== 'string')
      return problem('invalid_shape', field, `${field} must be a string`);
  }
  if (metadata.datatype_unit !== null && typeof metadata.datatype_unit !== 'string') {
    return problem('invalid_shape', 'datatype_unit', 'datatype_unit must be a string or null');
  }
  const extra = metadata.additional_properties ?? {};
  if (typeof extra !== 'object' || Array.isArray(extra)) {
    return problem('invalid_shape', 'additional_properties', 'additional_properties must be an object');
  }
  const seed = checkMetadataEntries(
    {
      datatype_id: metadata.datatype_id,
      datatype_name: metadata.datatype_name,
      datatype_unit: metadata.datatype_unit,
    },
    'metadata',
  );
  if (typeof seed !== 'number') return seed;
  const more = checkMetadataEntries(extra, 'additional_properties');
  if (typeof more !== 'number') return more;
  return checkStamp(metadata.last_updated, 'last_updated', futureLimit(options));
}
