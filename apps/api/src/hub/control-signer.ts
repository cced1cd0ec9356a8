import { type KeyObject, randomBytes, sign } from 'node:crypto';
import { controlSigningInput, HUB_EVENT_VERSION, HUB_HEADERS } from '@org/cache-core';

/** A control message ready to publish: its subject's event type, body bytes and headers. */
export interface SignedControlMessage {
  eventType: string;
  body: Uint8Array;
  headers: Record<string, string>;
}

/**
 * Signs a control message (`control.cache.action` or `config.cache.update`) with an operator's
 * Ed25519 private key: the body is `{ event, version: "1.0", data }`, the headers the envelope plus
 * `X-Nonce` and `X-Signature`. What an operator tool (or `cache-cli`) calls before publishing.
 */
export function signControlMessage(
  eventType: 'control.cache.action' | 'config.cache.update',
  data: unknown,
  privateKey: KeyObject,
  options: { correlationId?: string; serviceId?: string; now?: Date; nonce?: string } = {},
): SignedControlMessage {
  const body = new TextEncoder().encode(
    JSON.stringify({ event: eventType, version: HUB_EVENT_VERSION, data }),
  );
  const timestamp = (options.now ?? new Date()).toISOString();
  const nonce = options.nonce ?? randomBytes(18).toString('base64url');
  const correlationId = options.correlationId ?? crypto.randomUUID();
  const signature = sign(
    null,
    controlSigningInput(eventType, timestamp, nonce, correlationId, body),
    privateKey,
  );
  return {
    eventType,
    body,
    headers: {
      [HUB_HEADERS.messageId]: crypto.randomUUID(),
      [HUB_HEADERS.correlationId]: correlationId,
      [HUB_HEADERS.sourceService]: options.serviceId ?? 'operator',
      [HUB_HEADERS.eventType]: eventType,
      [HUB_HEADERS.eventVersion]: HUB_EVENT_VERSION,
      [HUB_HEADERS.timestamp]: timestamp,
      [HUB_HEADERS.ttl]: '60',
      [HUB_HEADERS.nonce]: nonce,
      [HUB_HEADERS.signature]: signature.toString('base64'),
    },
  };
}
