import { z } from 'zod';

/**
 * The interface-control document's envelope of every message on the hub (NATS), as headers.
 * The body is the document's `{ event, data }` shape (plus `id`, `version`, `correlation_id`).
 */
export const HUB_HEADERS = {
  /** JetStream's de-duplication id: the outbox event id for change events. */
  messageId: 'Nats-Msg-Id',
  correlationId: 'X-Correlation-ID',
  sourceService: 'X-Source-Service',
  eventType: 'X-Event-Type',
  eventVersion: 'X-Event-Version',
  /** ISO 8601 UTC: when the event happened (change events: the Redis server's clock). */
  timestamp: 'X-Timestamp',
  /** Seconds the message stays meaningful after its timestamp. */
  ttl: 'X-TTL',
  /** Control messages: a one-use random string (16-128 of `A-Za-z0-9_-`). */
  nonce: 'X-Nonce',
  /** Control messages: base64 of the Ed25519 signature of `controlSigningInput(...)`. */
  signature: 'X-Signature',
} as const;

/** Event types of the hub (also the NATS subjects, before any configured prefix). */
export const HUB_EVENTS = {
  itemUpdated: 'cache.item.updated',
  healthStatus: 'cache.health.status',
  controlAction: 'control.cache.action',
  configUpdate: 'config.cache.update',
  controlResult: 'control.cache.result',
} as const;

export const HUB_EVENT_VERSION = '1.0';

/** The envelope values of one message (what `HUB_HEADERS` carry). */
export interface HubEnvelope {
  messageId: string;
  correlationId: string;
  sourceService: string;
  eventType: string;
  eventVersion: string;
  timestamp: string;
  ttlSeconds: number;
}

/** `cache.health.status`: published every interval by the hub of the relaying instance. */
export const HubHealthEvent = z.object({
  event: z.literal(HUB_EVENTS.healthStatus),
  version: z.string(),
  data: z.object({
    status: z.enum(['healthy', 'degraded', 'unhealthy']),
    /** Hits / lookups over the last interval, 0..1; null when there was no lookup. */
    hit_rate: z.number().min(0).max(1).nullable(),
    /** Bytes of memory the backend uses (Redis `used_memory`, summed over masters). */
    memory_usage: z.number().int().min(0),
    /** Commands per second the backend processed over the last interval (Redis `total_commands_processed`). */
    ops_rate: z.number().min(0),
    timestamp: z.string(),
    service_id: z.string(),
    backend: z.string(),
  }),
});
export type HubHealthEvent = z.output<typeof HubHealthEvent>;

/** Why a control message was not applied (the result event's `reason`). */
export const ControlRefusal = z.enum([
  /** a header is missing or malformed (correlation id, timestamp, nonce), or the body is over the bound */
  'invalid_envelope',
  /** no signature header */
  'unsigned',
  /** the signature does not verify against any operator key */
  'bad_signature',
  /** the timestamp is further than the allowed skew from the hub's clock */
  'stale',
  /** the nonce was seen already */
  'replayed',
  /** the body is not JSON of the documented shape and bounds */
  'invalid_message',
  /** the action was valid but the cache failed to apply it (retry later) */
  'unavailable',
]);
export type ControlRefusal = z.output<typeof ControlRefusal>;

/** `control.cache.result`: the answer to every control or config message. */
export const ControlResultEvent = z.object({
  event: z.literal(HUB_EVENTS.controlResult),
  version: z.string(),
  /** The request's correlation id (null when it had none that was valid). */
  correlation_id: z.string().nullable(),
  data: z.object({
    /** The subject's event type the request came on. */
    request_event: z.string(),
    status: z.enum(['applied', 'refused', 'failed']),
    reason: ControlRefusal.nullable(),
    /** What the action did, e.g. `{ deleted: 12 }`. */
    result: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).nullable(),
    timestamp: z.string(),
    service_id: z.string(),
  }),
});
export type ControlResultEvent = z.output<typeof ControlResultEvent>;
