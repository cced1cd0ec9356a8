import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';
import { StoredValueError, ValidationError } from '../errors.js';
import type { JsonValue } from '../models/cache-entry.js';
import type { KeyRing } from './key-ring.js';

/**
 * The self-describing stored form of a tenant-cache value (format version 1).
 *
 * A value is stored either as its JSON text (as before this codec existed), or as a **frame**: a
 * JSON string whose text starts with the mark U+E0C0 (a private-use character):
 *
 *     "<U+E0C0>1<c><e>[<key id>.]<base64 payload>"
 *
 * - `1`: the format version;
 * - `<c>` compression of the payload: `n` none, `z` zstd, `b` brotli;
 * - `<e>` encryption: `n` none, `g` AES-256-GCM, then the key id and `.`; the payload is then
 *   `iv (12 bytes) | tag (16 bytes) | ciphertext`, authenticated with the associated data
 *   `["cache-kv", <frame header>, <tenant>, <key>]` (JSON), so a frame copied under another
 *   tenant or key, or with its header altered, fails to decrypt.
 *
 * Every reader decodes both forms, whatever its own settings, so settings can change without
 * breaking old entries. A plain value that is itself a string starting with the mark is stored as
 * an `nn` frame, so a frame is never mistaken for a value. Base64 costs a third more than raw
 * bytes: compression is kept only when the frame is smaller than the JSON text.
 */
export const STORED_VALUE_MARK = '\uE0C0';
export const STORED_VALUE_VERSION = '1';

export type CompressionAlgorithm = 'zstd' | 'brotli';

/** Settings of the codec (a deployment's; every reader decodes any frame its key ring can open). */
export interface ValueCodecSettings {
  /** Values whose JSON text has at least this many bytes are compressed when compression is on (default 1024). */
  compressionThreshold?: number;
  /** Algorithm of new compressed frames (default zstd where `node:zlib` has it, else brotli). */
  compressionAlgorithm?: CompressionAlgorithm;
  /** Compress by default, when a write does not say (default true). */
  compressByDefault?: boolean;
  /** Encrypt by default, when a write does not say (default false; true needs a key ring). */
  encryptByDefault?: boolean;
  /** Keys of encryption at rest; null: encryption refused (CACHE_007). */
  keyRing?: KeyRing | null;
  /** The largest JSON text a frame may decode to (default 10 MiB): a bound on decompression. */
  maxValueBytes?: number;
}

/** What one write asks for; absent fields take the settings' defaults. */
export interface ValueEncodeRequest {
  compression?: boolean;
  encryption?: boolean;
}

/** What was applied to one stored value (the API's `metadata`). */
export interface AppliedEncoding {
  compression: CompressionAlgorithm | 'none';
  encryption: 'aes-256-gcm' | 'none';
  key_id: string | null;
  /** Bytes of the stored text (JSON or frame, UTF-8). */
  stored_bytes: number;
  /** Bytes of the value's JSON text. */
  value_bytes: number;
}

/** Bounds of the codec's settings. */
export const VALUE_CODEC_BOUNDS = {
  maxCompressionThreshold: 64 * 1024 * 1024,
  defaultCompressionThreshold: 1024,
  defaultMaxValueBytes: 10 * 1024 * 1024,
} as const;

const ZSTD = typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const COMPRESSION_CHAR: Record<CompressionAlgorithm | 'none', string> = { none: 'n', zstd: 'z', brotli: 'b' };
const HEADER = /^\uE0C01([nzb])(n|g([A-Za-z0-9_-]{1,32})\.)/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The settings with their defaults, checked (a bad one is a ValidationError naming it). */
export function resolveCodecSettings(settings: ValueCodecSettings = {}): Required<ValueCodecSettings> {
  const threshold = settings.compressionThreshold ?? VALUE_CODEC_BOUNDS.defaultCompressionThreshold;
  if (
    !Number.isSafeInteger(threshold) ||
    threshold < 0 ||
    threshold > VALUE_CODEC_BOUNDS.maxCompressionThreshold
  ) {
    throw new ValidationError(
      `compression threshold must be an integer from 0 to ${VALUE_CODEC_BOUNDS.maxCompressionThreshold} bytes`,
      { details: { field: 'compressionThreshold' } },
    );
  }
  const algorithm = settings.compressionAlgorithm ?? (ZSTD ? 'zstd' : 'brotli');
  if (algorithm !== 'zstd' && algorithm !== 'brotli') {
    throw new ValidationError('compression algorithm must be zstd or brotli', {
      details: { field: 'compressionAlgorithm' },
    });
  }
  if (algorithm === 'zstd' && !ZSTD) {
    throw new ValidationError('zstd needs Node.js 22.15 or newer; use brotli', {
      details: { field: 'compressionAlgorithm' },
    });
  }
  const keyRing = settings.keyRing ?? null;
  if (settings.encryptByDefault && keyRing === null) {
    throw new ValidationError('encryption by default needs a key ring', {
      details: { field: 'encryptByDefault' },
    });
  }
  const maxValueBytes = settings.maxValueBytes ?? VALUE_CODEC_BOUNDS.defaultMaxValueBytes;
  if (!Number.isSafeInteger(maxValueBytes) || maxValueBytes < 1) {
    throw new ValidationError('maxValueBytes must be a positive integer', {
      details: { field: 'maxValueBytes' },
    });
  }
  return {
    compressionThreshold: threshold,
    compressionAlgorithm: algorithm,
    compressByDefault: settings.compressByDefault ?? true,
    encryptByDefault: settings.encryptByDefault ?? false,
    keyRing,
    maxValueBytes,
  };
}

/** Where a value lives: the associated data of its encryption. */
export interface ValuePlace {
  tenant: string;
  key: string;
}

function associatedData(header: string, place: ValuePlace): Buffer {
  return Buffer.from(JSON.stringify(['cache-kv', header, place.tenant, place.key]));
}

function compress(algorithm: CompressionAlgorithm, data: Buffer): Buffer {
  if (algorithm === 'zstd') {
    return zlib.zstdCompressSync(data, { params: { [zlib.constants.ZSTD_c_compressionLevel]: 3 } });
  }
  return zlib.brotliCompressSync(data, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: 5,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  });
}

/**
 * Encodes one value's JSON text for storage. `json` is what `JSON.stringify` made of the value;
 * the answer is the text to store (JSON text, or a frame as JSON text) and what was applied.
 * Asking for encryption without a key ring is a ValidationError (CACHE_007): never a plaintext write.
 */
export function encodeStoredValue(
  json: string,
  place: ValuePlace,
  request: ValueEncodeRequest,
  settings: Required<ValueCodecSettings>,
): { stored: string; applied: AppliedEncoding } {
  const encrypt = request.encryption ?? settings.encryptByDefault;
  const ring = settings.keyRing;
  if (encrypt && ring === null) {
    throw new ValidationError('encryption was asked for, but no encryption key is configured', {
      details: { key: place.key, field: 'encryption', reason: 'encryption_not_configured' },
    });
  }
  const plain = Buffer.from(json);
  const valueBytes = plain.length;
  let compression: CompressionAlgorithm | 'none' = 'none';
  let payload: Buffer = plain;
  if ((request.compression ?? settings.compressByDefault) && valueBytes >= settings.compressionThreshold) {
    const packed = compress(settings.compressionAlgorithm, plain);
    // kept only when the frame (base64: 4/3) is smaller than the plain text
    if (Math.ceil(packed.length / 3) * 4 + 8 < valueBytes) {
      compression = settings.compressionAlgorithm;
      payload = packed;
    }
  }
  const needsFrame = json.startsWith(`"${STORED_VALUE_MARK}`);
  if (!encrypt && compression === 'none' && !needsFrame) {
    return { stored: json, applied: applied('none', null, valueBytes, valueBytes) };
  }
  let header = `${STORED_VALUE_MARK}${STORED_VALUE_VERSION}${COMPRESSION_CHAR[compression]}`;
  let keyId: string | null = null;
  if (encrypt && ring !== null) {
    keyId = ring.activeId;
    header += `g${keyId}.`;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', ring.keys.get(keyId)!, iv);
    cipher.setAAD(associatedData(header, place));
    const ciphertext = Buffer.concat([cipher.update(payload), cipher.final()]);
    payload = Buffer.concat([iv, cipher.getAuthTag(), ciphertext]);
  } else {
    header += 'n';
  }
  const stored = JSON.stringify(header + payload.toString('base64'));
  return {
    stored,
    applied: applied(compression, keyId, Buffer.byteLength(stored), valueBytes),
  };
}

function applied(
  compression: CompressionAlgorithm | 'none',
  keyId: string | null,
  storedBytes: number,
  valueBytes: number,
): AppliedEncoding {
  return {
    compression,
    encryption: keyId === null ? 'none' : 'aes-256-gcm',
    key_id: keyId,
    stored_bytes: storedBytes,
    value_bytes: valueBytes,
  };
}

/** True when a value read back (JSON-parsed) is a frame to decode. */
export function isStoredFrame(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(STORED_VALUE_MARK);
}

function corrupt(place: ValuePlace, reason: string, message: string, cause?: unknown): StoredValueError {
  return new StoredValueError(`the stored value of key ${place.key} ${message}`, {
    details: { key: place.key, tenant: place.tenant, reason },
    cause,
  });
}

/**
 * The value a stored value stands for: a plain value is returned as is, a frame is decoded
 * (decrypted with the key its id names, decompressed within `maxValueBytes`, JSON-parsed). Any
 * failure is a StoredValueError (CACHE_010) whose `details.reason` says why: `malformed_frame`,
 * `unknown_key_id`, `encryption_not_configured`, `decrypt_failed`, `decompress_failed`,
 * `compression_unavailable`. Never anything else, whatever the input.
 */
export function decodeStoredValue(
  value: JsonValue,
  place: ValuePlace,
  settings: Required<ValueCodecSettings>,
): JsonValue {
  if (!isStoredFrame(value)) return value;
  const header = HEADER.exec(value);
  if (header === null)
    throw corrupt(place, 'malformed_frame', 'is not a frame this reader knows (version 1)');
  const body = value.slice(header[0].length);
  if (!BASE64.test(body) || body.length % 4 !== 0) {
    throw corrupt(place, 'malformed_frame', 'has a malformed payload');
  }
  if (body.length > Math.ceil((settings.maxValueBytes + IV_BYTES + TAG_BYTES) / 3) * 4 + 4) {
    throw corrupt(place, 'malformed_frame', 'is larger than any value this reader accepts');
  }
  let payload = Buffer.from(body, 'base64');
  const keyId = header[3];
  if (keyId !== undefined) {
    const ring = settings.keyRing;
    if (ring === null) {
      throw corrupt(place, 'encryption_not_configured', 'is encrypted and this reader has no encryption key');
    }
    const key = ring.keys.get(keyId);
    if (key === undefined) {
      throw corrupt(place, 'unknown_key_id', `is encrypted with key id ${keyId}, which the key ring lacks`);
    }
    if (payload.length < IV_BYTES + TAG_BYTES)
      throw corrupt(place, 'malformed_frame', 'has a truncated payload');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, payload.subarray(0, IV_BYTES));
      decipher.setAAD(associatedData(header[0], place));
      decipher.setAuthTag(payload.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      payload = Buffer.concat([decipher.update(payload.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
    } catch (error) {
      throw corrupt(
        place,
        'decrypt_failed',
        'fails to decrypt: it was not written under this tenant and key, or it was altered',
        error,
      );
    }
  }
  const c = header[1];
  if (c !== 'n') {
    if (c === 'z' && !ZSTD) {
      throw corrupt(place, 'compression_unavailable', 'is zstd-compressed and this Node.js has no zstd');
    }
    try {
      const options = { maxOutputLength: settings.maxValueBytes };
      payload =
        c === 'z' ? zlib.zstdDecompressSync(payload, options) : zlib.brotliDecompressSync(payload, options);
    } catch (error) {
      throw corrupt(
        place,
        'decompress_failed',
        'fails to decompress (corrupt, or larger than allowed)',
        error,
      );
    }
  }
  if (payload.length > settings.maxValueBytes) {
    throw corrupt(place, 'malformed_frame', 'is larger than any value this reader accepts');
  }
  try {
    return JSON.parse(payload.toString()) as JsonValue;
  } catch (error) {
    throw corrupt(place, 'malformed_frame', 'does not hold JSON', error);
  }
}

const DEFAULT_READER = resolveCodecSettings();
const decodedEntries = new WeakSet<object>();

/**
 * What every store does on read, with no settings of its own: a frame that is not encrypted
 * (compressed, or a plain string that needed framing) is decoded, and the entry is marked so that
 * a codec installed above does not decode it twice; an encrypted frame is left for the codec that
 * holds the key ring. Plain values are returned as they are.
 */
export function decodeUnencrypted<T extends { key: string; value: JsonValue }>(entry: T, tenant: string): T {
  if (!isStoredFrame(entry.value) || HEADER.exec(entry.value)?.[3] !== undefined) return entry;
  const out = { ...entry, value: decodeStoredValue(entry.value, { tenant, key: entry.key }, DEFAULT_READER) };
  decodedEntries.add(out);
  return out;
}

/** True when a store already decoded this entry's frame (`decodeUnencrypted`). */
export function wasDecoded(entry: object): boolean {
  return decodedEntries.has(entry);
}
