import { assertTenant } from './ids.js';

/**
 * Every Redis key of the cache is built here. Layout (documented in the package README):
 *
 * | key                                   | type | holds                                             |
 * | `{p}device:{<id>}:metadata`           | hash | seed fields + extra metadata keys                 |
 * | `{p}device:{<id>}:readings`           | str  | head `<ts><index>\t…`, then one JSON line each   |
 * | `{p}devices:{index}:by-id`            | zset | device ids, score 0 (lexicographic listing)       |
 * | `{p}devices:{index}:by-expiry`        | zset | device ids, score = expiry (epoch ms)             |
 * | `{p}kv:{<tenant>}:e:<key>`            | hash | generic cache entry: v (JSON), c (created ms), n  |
 * | `{p}kv:{<tenant>}:keys`               | zset | keys of the tenant, score = expiry ms or +inf     |
 * | `{p}kv:tenants`                       | set  | tenants that have written (for stats and flush)   |
 * | `{p}ratelimit:{<subject>}:<window>`   | str  | request counter of a rate-limit window            |
 *
 * The `{...}` parts are Redis Cluster hash tags: a device's two keys share a slot, a tenant's keys
 * share a slot, and the device index lives in one slot, so no command crosses slots.
 */
export interface KeyScheme {
  readonly prefix: string;
  deviceMetadata(deviceId: string): string;
  deviceReadings(deviceId: string): string;
  readonly deviceIndexById: string;
  readonly deviceIndexByExpiry: string;
  kvEntry(tenant: string, key: string): string;
  kvIndex(tenant: string): string;
  readonly kvTenants: string;
  rateLimit(subject: string, window: number): string;
  /** MATCH patterns that cover every key of this scheme (for `flush`). */
  readonly families: readonly string[];
}

/**
 * Hash tags end at the first `}`: braces (and `%`, to keep the encoding reversible) inside a device
 * id are percent-encoded so that both keys of a device always hash to the same slot.
 */
export function encodeTagPart(value: string): string {
  return /[{}%]/.test(value)
    ? value.replace(/[{}%]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    : value;
}

/** Escapes Redis glob metacharacters so that a literal string can be used inside a MATCH pattern. */
export function escapeGlob(literal: string): string {
  return literal.replace(/[*?[\]\\]/g, '\\$&');
}

export function createKeyScheme(prefix = ''): KeyScheme {
  const p = prefix;
  return {
    prefix: p,
    deviceMetadata: (id) => `${p}device:{${encodeTagPart(id)}}:metadata`,
    deviceReadings: (id) => `${p}device:{${encodeTagPart(id)}}:readings`,
    deviceIndexById: `${p}devices:{index}:by-id`,
    deviceIndexByExpiry: `${p}devices:{index}:by-expiry`,
    kvEntry: (tenant, key) => `${p}kv:{${assertTenant(tenant)}}:e:${key}`,
    kvIndex: (tenant) => `${p}kv:{${assertTenant(tenant)}}:keys`,
    kvTenants: `${p}kv:tenants`,
    rateLimit: (subject, window) => `${p}ratelimit:{${encodeTagPart(subject)}}:${window}`,
    families: [`${escapeGlob(p)}device:*`, `${escapeGlob(p)}devices:*`, `${escapeGlob(p)}kv:*`],
  };
}
