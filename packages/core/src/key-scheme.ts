import { assertTenant } from './ids.js';

/**
 * Every Redis key of the cache is built here. Layout (documented in the package README):
 *
 * | key                                   | type | holds                                             |
 * | `{p}device:{d<b>}:<id>:metadata`      | hash | seed fields + extra metadata keys                 |
 * | `{p}device:{d<b>}:<id>:readings`      | str  | head `<ts><index>\t…`, then one JSON line each   |
 * | `{p}events:{d<b>}`                    | strm | outbox of the devices of bucket b (0..63)        |
 * | `{p}events:kv:{<tenant>}`             | strm | outbox of the tenant's cache                      |
 * | `{p}events:{global}`                  | strm | outbox of whole-cache events (flush)              |
 * | `{p}events:tenants`                   | set  | tenants that have an outbox stream                |
 * | `{p}devices:{index}:by-id`            | zset | device ids, score 0 (lexicographic listing)       |
 * | `{p}devices:{index}:by-expiry`        | zset | device ids, score = expiry (epoch ms)             |
 * | `{p}kv:{<tenant>}:e:<key>`            | hash | generic cache entry: v (JSON), c (created ms), n  |
 * | `{p}kv:{<tenant>}:keys`               | zset | keys of the tenant, score = expiry ms or +inf     |
 * | `{p}kv:tenants`                       | set  | tenants that have written (for stats and flush)   |
 * | `{p}ratelimit:{<subject>}:<window>`   | str  | request counter of a rate-limit window            |
 * | `{p}hub:{relay}:lease`                | str  | instance id of the NATS relay (expires)           |
 * | `{p}hub:{relay}:position`             | str  | last outbox event id the NATS relay delivered     |
 * | `{p}hub:nonce:<nonce>`                | str  | a control message's nonce (expires)               |
 *
 * The `{...}` parts are Redis Cluster hash tags: a device's keys share a slot with its bucket's
 * outbox stream (the bucket is `deviceBucket(id)`, a fixed hash of the id), a tenant's keys share a
 * slot with its stream, and the device index lives in one slot, so no command or script crosses
 * slots, and each write script appends its events to a stream of its own slot.
 */
export interface KeyScheme {
  readonly prefix: string;
  deviceMetadata(deviceId: string): string;
  /** The device id whose `deviceMetadata` key this is, or null when it is not one (the exact inverse). */
  deviceIdOfMetadata(key: string): string | null;
  deviceReadings(deviceId: string): string;
  /** The outbox stream of the device's bucket (same slot as the device's keys). */
  deviceEvents(deviceId: string): string;
  /** The outbox stream of one bucket, 0 <= bucket < DEVICE_BUCKETS. */
  bucketEvents(bucket: number): string;
  /** The outbox stream of a tenant's cache (same slot as the tenant's keys). */
  kvEvents(tenant: string): string;
  /** The outbox stream of whole-cache events (flush). */
  readonly globalEvents: string;
  /** Tenants that have an outbox stream (kept by flush, unlike `kvTenants`). */
  readonly eventTenants: string;
  readonly deviceIndexById: string;
  readonly deviceIndexByExpiry: string;
  kvEntry(tenant: string, key: string): string;
  kvIndex(tenant: string): string;
  readonly kvTenants: string;
  rateLimit(subject: string, window: number): string;
  /** MATCH patterns that cover every key of this scheme (for `flush`). */
  readonly families: readonly string[];
  /** The message hub's relay lease: the id of the instance that relays (same slot as its position). */
  readonly hubRelayLease: string;
  /** The message hub's relay position: the last outbox event id JetStream acknowledged. */
  readonly hubRelayPosition: string;
  /** A control message's nonce, kept while its timestamp is acceptable (replay guard). */
  hubControlNonce(nonce: string): string;
}

/**
 * Braces (and `%`, to keep the encoding reversible) inside an id are percent-encoded, so a key
 * name never holds a brace of its own (hash tags end at the first `}`).
 */
export function encodeTagPart(value: string): string {
  return /[{}%]/.test(value)
    ? value.replace(/[{}%]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    : value;
}

/**
 * Device keys are spread over this many buckets; each bucket has one outbox stream sharing the
 * bucket's hash tag. Fixed: changing it moves every device key.
 */
export const DEVICE_BUCKETS = 64;

/** The bucket of a device id: FNV-1a (32 bit) over its UTF-16 code units, modulo DEVICE_BUCKETS. */
export function deviceBucket(deviceId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < deviceId.length; i++) {
    h ^= deviceId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % DEVICE_BUCKETS;
}

/** `encodeTagPart` undone (only what it encodes: `%7B`, `%7D`, `%25`); null for any other `%`. */
function decodeTagPart(value: string): string | null {
  if (!value.includes('%')) return value;
  let failed = false;
  const decoded = value.replace(/%(..)?/g, (_, hex: string | undefined) => {
    if (hex === '7B') return '{';
    if (hex === '7D') return '}';
    if (hex === '25') return '%';
    failed = true;
    return '';
  });
  return failed ? null : decoded;
}

const BUCKET_TAGS = Array.from({ length: DEVICE_BUCKETS }, (_, b) => `{d${b}}`);

/** Escapes Redis glob metacharacters so that a literal string can be used inside a MATCH pattern. */
export function escapeGlob(literal: string): string {
  return literal.replace(/[*?[\]\\]/g, '\\$&');
}

export function createKeyScheme(prefix = ''): KeyScheme {
  const p = prefix;
  const deviceMetadata = (id: string) =>
    `${p}device:${BUCKET_TAGS[deviceBucket(id)]}:${encodeTagPart(id)}:metadata`;
  const devicePrefix = `${p}device:{d`;
  const metadataSuffix = ':metadata';
  return {
    prefix: p,
    deviceMetadata,
    deviceIdOfMetadata: (key) => {
      if (!key.startsWith(devicePrefix) || !key.endsWith(metadataSuffix)) return null;
      const tagEnd = key.indexOf('}:', devicePrefix.length);
      if (tagEnd < 0) return null;
      const id = decodeTagPart(key.slice(tagEnd + 2, key.length - metadataSuffix.length));
      // the bucket and the encoding must be the ones this scheme gives that id
      return id !== null && id !== '' && deviceMetadata(id) === key ? id : null;
    },
    deviceReadings: (id) => `${p}device:${BUCKET_TAGS[deviceBucket(id)]}:${encodeTagPart(id)}:readings`,
    deviceEvents: (id) => `${p}events:${BUCKET_TAGS[deviceBucket(id)]}`,
    bucketEvents: (bucket) => `${p}events:${BUCKET_TAGS[bucket]}`,
    kvEvents: (tenant) => `${p}events:kv:{${assertTenant(tenant)}}`,
    globalEvents: `${p}events:{global}`,
    eventTenants: `${p}events:tenants`,
    deviceIndexById: `${p}devices:{index}:by-id`,
    deviceIndexByExpiry: `${p}devices:{index}:by-expiry`,
    kvEntry: (tenant, key) => `${p}kv:{${assertTenant(tenant)}}:e:${key}`,
    kvIndex: (tenant) => `${p}kv:{${assertTenant(tenant)}}:keys`,
    kvTenants: `${p}kv:tenants`,
    rateLimit: (subject, window) => `${p}ratelimit:{${encodeTagPart(subject)}}:${window}`,
    families: [`${escapeGlob(p)}device:*`, `${escapeGlob(p)}devices:*`, `${escapeGlob(p)}kv:*`],
    hubRelayLease: `${p}hub:{relay}:lease`,
    hubRelayPosition: `${p}hub:{relay}:position`,
    hubControlNonce: (nonce) => `${p}hub:nonce:${encodeTagPart(nonce)}`,
  };
}
