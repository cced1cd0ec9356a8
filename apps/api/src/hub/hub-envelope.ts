import { headers, type MsgHdrs } from '@nats-io/transport-node';
import { HUB_EVENT_VERSION, HUB_HEADERS, type HubEnvelope } from '@org/cache-core';

/** The NATS headers of an envelope (the interface-control document's fields). */
export function envelopeHeaders(envelope: HubEnvelope): MsgHdrs {
  const h = headers();
  h.set(HUB_HEADERS.messageId, envelope.messageId);
  h.set(HUB_HEADERS.correlationId, envelope.correlationId);
  h.set(HUB_HEADERS.sourceService, envelope.sourceService);
  h.set(HUB_HEADERS.eventType, envelope.eventType);
  h.set(HUB_HEADERS.eventVersion, envelope.eventVersion);
  h.set(HUB_HEADERS.timestamp, envelope.timestamp);
  h.set(HUB_HEADERS.ttl, String(envelope.ttlSeconds));
  return h;
}

/** The envelope of a message the hub emits now (health, results). */
export function freshEnvelope(
  eventType: string,
  serviceId: string,
  correlationId: string,
  ttlSeconds: number,
): HubEnvelope {
  return {
    messageId: crypto.randomUUID(),
    correlationId,
    sourceService: serviceId,
    eventType,
    eventVersion: HUB_EVENT_VERSION,
    timestamp: new Date().toISOString(),
    ttlSeconds,
  };
}
