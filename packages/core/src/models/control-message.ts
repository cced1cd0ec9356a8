import { z } from 'zod';
import { assertGlob } from '../glob.js';
import { assertTenant } from '../ids.js';
import { INPUT_BOUNDS } from '../input-bounds.js';
import { CACHE_TYPE_NAME } from '../value-codec/kv-write-options.js';
import { HUB_EVENTS } from './hub-envelope.js';

/** Bounds of control messages (`control.cache.action`, `config.cache.update`). */
export const CONTROL_BOUNDS = {
  /** Largest body (bytes); bigger messages are refused unparsed. */
  maxBodyBytes: 65_536,
  /** Longest header value (correlation id, nonce, signature, timestamp). */
  maxHeaderLength: 1_024,
  /** How far a message's timestamp may be from the hub's clock (ms), either way. */
  maxSkewMs: 60_000,
  nonceMinLength: 16,
  nonceMaxLength: 128,
  /** Services, and cache types per service, in one `config.cache.update`. */
  maxServices: 64,
  maxCacheTypes: 64,
} as const;

const NONCE = /^[A-Za-z0-9_-]+$/;
/** A cache-type name: the rule of the cache policy file (`CACHE_TYPE_NAME`). */
const CACHE_TYPE = CACHE_TYPE_NAME;

/** A nonce header value: 16-128 characters of `A-Za-z0-9_-`. */
export function isControlNonce(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length >= CONTROL_BOUNDS.nonceMinLength &&
    value.length <= CONTROL_BOUNDS.nonceMaxLength &&
    NONCE.test(value)
  );
}

const tenant = z.string().refine(
  (t) => {
    try {
      assertTenant(t);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'a tenant id' },
);
const pattern = z.string().refine(
  (p) => {
    try {
      assertGlob(p);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'a glob (512 characters at most)' },
);
const ttl = z.number().finite().min(0).max(INPUT_BOUNDS.maxTtlSeconds);

/** What `control.cache.action` asks for. */
export const ControlAction = z.discriminatedUnion('action', [
  /** deletes the tenant's keys matching the glob */
  z.strictObject({ action: z.literal('invalidate'), tenant, pattern }),
  /** deletes every key of the tenant */
  z.strictObject({ action: z.literal('clear_tenant'), tenant }),
  /** deletes every key of the cache (devices and all tenants) */
  z.strictObject({ action: z.literal('flush') }),
  /** re-reads the service's reloadable configuration (the API's tokens file) */
  z.strictObject({ action: z.literal('reload') }),
]);
export type ControlAction = z.output<typeof ControlAction>;

export const ControlActionMessage = z.strictObject({
  event: z.literal(HUB_EVENTS.controlAction),
  version: z.literal('1.0'),
  data: ControlAction,
});
export type ControlActionMessage = z.output<typeof ControlActionMessage>;

/** A cache type's policy: TTL (seconds, 0 = no expiry) and consistency. */
export const CacheTypePolicy = z.strictObject({
  ttl,
  consistency: z.enum(['strong', 'eventual']),
});
export type CacheTypePolicy = z.output<typeof CacheTypePolicy>;

const SERVICE = /^(\*|[A-Za-z0-9][A-Za-z0-9_.-]{0,63})$/;

/** A record whose raw keys are checked first (zod's record silently drops a `__proto__` key). */
function boundedRecord<T extends z.ZodType>(keyPattern: RegExp, max: number, value: T, what: string) {
  return z
    .unknown()
    .refine(
      (r) =>
        typeof r === 'object' &&
        r !== null &&
        !Array.isArray(r) &&
        Object.keys(r).length <= max &&
        Object.keys(r).every((k) => keyPattern.test(k)),
      { message: `at most ${max} ${what} named by ${keyPattern}` },
    )
    .pipe(z.record(z.string(), value));
}

/**
 * What `config.cache.update` sets: the default TTL and/or, per service (a tenant id, or `*` for
 * every tenant; the shape of the cache policy file), the policies of the cache types named
 * (replacing those; other types and services are kept).
 */
export const ConfigUpdate = z
  .strictObject({
    default_ttl: ttl.optional(),
    services: boundedRecord(
      SERVICE,
      CONTROL_BOUNDS.maxServices,
      z.strictObject({
        cache_types: boundedRecord(CACHE_TYPE, CONTROL_BOUNDS.maxCacheTypes, CacheTypePolicy, 'cache types'),
      }),
      'services',
    ).optional(),
  })
  .refine((u) => u.default_ttl !== undefined || u.services !== undefined, {
    message: 'default_ttl or services',
  });
export type ConfigUpdate = z.output<typeof ConfigUpdate>;

export const ConfigUpdateMessage = z.strictObject({
  event: z.literal(HUB_EVENTS.configUpdate),
  version: z.literal('1.0'),
  data: ConfigUpdate,
});
export type ConfigUpdateMessage = z.output<typeof ConfigUpdateMessage>;

/**
 * The bytes an operator signs (Ed25519) for a control message: a domain tag, the subject's event
 * type, the timestamp, nonce and correlation id headers, each on its own line, then the exact body
 * bytes. Binding the headers stops a captured signature being replayed with a new nonce, a new
 * time, another subject or another correlation id.
 */
export function controlSigningInput(
  eventType: string,
  timestamp: string,
  nonce: string,
  correlationId: string,
  body: Uint8Array,
): Uint8Array {
  const head = new TextEncoder().encode(
    `cache-control-v1\n${eventType}\n${timestamp}\n${nonce}\n${correlationId}\n`,
  );
  const out = new Uint8Array(head.length + body.length);
  out.set(head, 0);
  out.set(body, head.length);
  return out;
}
