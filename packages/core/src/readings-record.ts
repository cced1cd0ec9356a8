import { decodeReadingBody, encodeReadingBody } from './device-state.js';
import type { Reading } from './models/device.js';
import { TIMESTAMP_WIDTH } from './timestamp.js';

/**
 * The readings record: all readings of a device in ONE Redis string (key `…:readings`), framed so
 * the Lua write can decide "latest wins" from a short fixed-width head:
 *
 *     <metadata stamp><metadata fingerprint><newest stamp><index>\t<index>\t…\n
 *     [request_id,values,labels,display_names,metadata]\n
 *     <stamp>[…]…
 *
 * - metadata stamp and fingerprint: `last_updated` of the device's metadata hash and a digest of
 *   its other fields. A write whose metadata has the same fingerprint only moves `last_updated`
 *   instead of rewriting the hash. Blank (spaces) when the device has no metadata.
 * - newest stamp: the newest reading's timestamp; then the indexes, sorted, each ended by a tab.
 * - one line per index, in the same order: its compact JSON body, prefixed by its timestamp when
 *   that is not the newest stamp (a line starting with `[` has the newest stamp; the readings of
 *   one message share a timestamp, so usually no line carries one).
 *
 * Timestamps are fixed width (27), indexes hold no control characters and JSON.stringify never
 * emits a raw newline, so the framing is unambiguous. In the usual write every stored reading is
 * superseded: the index lists are equal and the stored newest stamp is not newer than the oldest
 * incoming one, and the client's record is stored as is. One string per device is also one
 * allocation: a hash of readings would switch to its hashtable encoding (values over 64 bytes) and
 * cost about 300 more bytes per device.
 */
export const FINGERPRINT_WIDTH = 16;
/** Where the metadata stamp and fingerprint end. */
export const RECORD_METADATA_END = TIMESTAMP_WIDTH + FINGERPRINT_WIDTH;
/** Where the fixed-width part of the head ends (the index list follows). */
export const RECORD_FIXED_HEAD = RECORD_METADATA_END + TIMESTAMP_WIDTH;

const NO_STAMP = ' '.repeat(TIMESTAMP_WIDTH);
const NO_FINGERPRINT = ' '.repeat(FINGERPRINT_WIDTH);

/** The metadata a record is written with: its `last_updated` and the fingerprint of its fields. */
export interface RecordMetadata {
  stamp: string;
  fingerprint: string;
}

export interface EncodedRecord {
  record: string;
  /** The oldest reading's timestamp ("" when there is none): the bound of the fast path. */
  oldestStamp: string;
}

/** The record of one write: `readings` (one per index) and the metadata written with them, if any. */
export function encodeReadingsRecord(
  readings: readonly Reading[],
  metadata: RecordMetadata | null,
): EncodedRecord {
  const sorted = readings.length > 1 ? [...readings].sort(byIndex) : readings;
  let newest = NO_STAMP;
  let oldest = '';
  for (const r of sorted) {
    if (r.timestamp > newest) newest = r.timestamp;
    if (oldest === '' || r.timestamp < oldest) oldest = r.timestamp;
  }
  let indexes = '';
  let lines = '';
  for (const r of sorted) {
    indexes += `${r.index}\t`;
    lines += r.timestamp === newest ? `\n${encodeReadingBody(r)}` : `\n${r.timestamp}${encodeReadingBody(r)}`;
  }
  const fingerprint = metadata
    ? metadata.fingerprint.padEnd(FINGERPRINT_WIDTH).slice(0, FINGERPRINT_WIDTH)
    : '';
  const head = metadata ? metadata.stamp + fingerprint : NO_STAMP + NO_FINGERPRINT;
  return { record: `${head}${newest}${indexes}${lines || '\n'}`, oldestStamp: oldest };
}

/** The readings of a record, sorted by index (none for null or a record without readings). */
export function decodeReadingsRecord(deviceId: string, record: string | null): Reading[] {
  if (record === null || record.length <= RECORD_FIXED_HEAD) return [];
  const stop = record.indexOf('\n', RECORD_FIXED_HEAD);
  const newest = record.slice(RECORD_METADATA_END, RECORD_FIXED_HEAD);
  const readings: Reading[] = [];
  let line = stop + 1;
  for (let pos = RECORD_FIXED_HEAD; pos < stop; ) {
    const tab = record.indexOf('\t', pos);
    const end = record.indexOf('\n', line);
    const stamped = record[line] !== '[';
    const stamp = stamped ? record.slice(line, line + TIMESTAMP_WIDTH) : newest;
    const body = record.slice(stamped ? line + TIMESTAMP_WIDTH : line, end === -1 ? record.length : end);
    readings.push(decodeReadingBody(deviceId, record.slice(pos, tab), stamp, body));
    pos = tab + 1;
    line = end + 1;
  }
  return readings.sort(byIndex);
}

function byIndex(a: Reading, b: Reading): number {
  return a.index < b.index ? -1 : a.index > b.index ? 1 : 0;
}
