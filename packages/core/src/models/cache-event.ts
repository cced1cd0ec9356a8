import { z } from 'zod';
import { ValidationError } from '../errors.js';

/** What a change event says happened. */
export const CacheEventOperation = z.enum([
  /** a device write that won: readings (the `indexes` applied) and maybe metadata */
  'upsert',
  /** a device write whose readings were all stale or absent, whose metadata won */
  'metadata',
  /** a device's state deleted by the admin `resetDevice` */
  'reset',
  /** a tenant key set */
  'set',
  /** a tenant key deleted by `delete` */
  'delete',
  /** a tenant key deleted by `invalidate(pattern)` */
  'invalidate',
  /** a tenant key deleted by `clearTenant` */
  'clear',
  /** the whole cache flushed */
  'flush',
]);
export type CacheEventOperation = z.output<typeof CacheEventOperation>;

/** Event type and schema version of the interface-control document. */
export const CACHE_ITEM_UPDATED = 'cache.item.updated';
export const CACHE_EVENT_VERSION = '1.0';

/**
 * One change event of the outbox: the document's `{ event, data: { key, operation, timestamp,
 * service_id } }` plus the event id (the stream id: `<ms>-<seq>`), the version, the correlation id
 * of the write that caused it, and tenant (tenant keys) or device id and indexes (devices).
 */
export const CacheEvent = z.object({
  id: z.string(),
  event: z.literal(CACHE_ITEM_UPDATED),
  version: z.string(),
  correlation_id: z.string().nullable(),
  data: z.object({
    /** the tenant key, the device id, or `*` for a flush */
    key: z.string(),
    operation: CacheEventOperation,
    /** when the change was applied (the Redis server's clock, ISO) */
    timestamp: z.string(),
    service_id: z.string(),
    kind: z.enum(['device', 'kv', 'cache']),
    tenant: z.string().optional(),
    device_id: z.string().optional(),
    /** the reading indexes this write applied (devices) */
    indexes: z.array(z.string()).optional(),
  }),
});
export type CacheEvent = z.output<typeof CacheEvent>;
export type CacheEventKind = CacheEvent['data']['kind'];

/** Outbox settings shared by the transports. */
export interface OutboxSettings {
  /** Append an event per applied change (default true). */
  enabled: boolean;
  /** Approximate length cap of each stream (`MAXLEN ~`, default 100,000). */
  maxLength: number;
  /** Events older than this are trimmed (`MINID ~`, default 86,400 s). */
  maxAgeSeconds: number;
  /** `data.service_id` of the events (default `device-cache`). */
  serviceId: string;
}

export const DEFAULT_OUTBOX: OutboxSettings = {
  enabled: true,
  maxLength: 100_000,
  maxAgeSeconds: 86_400,
  serviceId: 'device-cache',
};

/**
 * An event id: `<ms>-<seq>-<source>`, the stream entry id and the stream it is in (`d<bucket>`
 * for a device bucket, `t.<tenant>` for a tenant, `g` for whole-cache events). Stream ids are
 * unique within a stream only; with the source they are unique, and (ms, seq, source) is the
 * total order every reader delivers in.
 */
export interface EventPosition {
  ms: number;
  seq: number;
  source: string;
}

const EVENT_ID =
  /^(0|[1-9][0-9]{0,15})-(0|[1-9][0-9]{0,15})-(d[0-9]{1,3}|t\.[A-Za-z0-9][A-Za-z0-9_.-]{0,63}|g)$/;

/** The position of an event id, or null when it is not one. */
export function parseEventId(value: unknown): EventPosition | null {
  if (typeof value !== 'string') return null;
  const m = EVENT_ID.exec(value);
  if (!m) return null;
  const ms = Number(m[1]);
  const seq = Number(m[2]);
  if (!Number.isSafeInteger(ms) || !Number.isSafeInteger(seq)) return null;
  return { ms, seq, source: m[3]! };
}

export function formatEventId(position: EventPosition): string {
  return `${position.ms}-${position.seq}-${position.source}`;
}

/** Compares two positions in the delivery order (ms, seq, source): negative, 0 or positive. */
export function comparePositions(a: EventPosition, b: EventPosition): number {
  return a.ms - b.ms || a.seq - b.seq || (a.source === b.source ? 0 : a.source < b.source ? -1 : 1);
}

export function isEventId(value: unknown): value is string {
  return parseEventId(value) !== null;
}

/**
 * Builds the event from a stream entry's fields (flat `[name, value, …]`, as XRANGE and XREAD
 * answer): `o` operation, `d` device id, `i` indexes (tab-ended), `t` tenant, `k` key,
 * `c` correlation id, `s` service id.
 */
export function decodeCacheEvent(streamId: string, source: string, fields: readonly string[]): CacheEvent {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
  const operation = (f.o ?? 'upsert') as CacheEventOperation;
  const id = `${streamId}-${source}`;
  const timestamp = new Date(Number(streamId.slice(0, streamId.indexOf('-')))).toISOString();
  const base = { operation, timestamp, service_id: f.s ?? '' };
  let data: CacheEvent['data'];
  if (f.d !== undefined) {
    const indexes = (f.i ?? '').split('\t').filter((x) => x !== '');
    data = { key: f.d, ...base, kind: 'device', device_id: f.d, indexes };
  } else if (f.t !== undefined) {
    data = { key: f.k ?? '', ...base, kind: 'kv', tenant: f.t };
  } else {
    data = { key: '*', ...base, kind: 'cache' };
  }
  return {
    id,
    event: CACHE_ITEM_UPDATED,
    version: CACHE_EVENT_VERSION,
    correlation_id: f.c === undefined || f.c === '' ? null : f.c,
    data,
  };
}

/** Longest correlation id a write accepts (the bound of a reading's request_id). */
export const CORRELATION_ID_MAX_LENGTH = 1_024;

/**
 * Checks a write's correlation id: null or undefined (none), or a string of 1 to 1,024
 * characters without control characters or unpaired surrogates; anything else is CACHE_007.
 */
export function checkCorrelationId(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    value.length > CORRELATION_ID_MAX_LENGTH ||
    /[\u0000-\u001f\u007f]/.test(value) ||
    /\p{Cs}/u.test(value)
  ) {
    throw new ValidationError(
      `correlationId must be a string of 1 to ${CORRELATION_ID_MAX_LENGTH} characters without control characters`,
      { details: { field: 'correlationId' } },
    );
  }
  return value;
}

/** Checks a `since` event id: null or undefined (from the oldest kept), or `<ms>-<seq>-<source>`. */
export function checkEventId(value: unknown, field = 'since'): string | null {
  if (value === undefined || value === null) return null;
  if (!isEventId(value)) {
    throw new ValidationError(`${field} must be an event id (<ms>-<seq>-<source>)`, { details: { field } });
  }
  return value;
}
