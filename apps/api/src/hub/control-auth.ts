import { type KeyObject, verify } from 'node:crypto';
import {
  CONTROL_BOUNDS,
  type ControlRefusal,
  checkCorrelationId,
  controlSigningInput,
  HUB_HEADERS,
  isControlNonce,
} from '@org/cache-core';

/** What a control message carries, read from NATS (headers by name, the raw body). */
export interface ControlInput {
  header(name: string): string | undefined;
  body: Uint8Array;
}

export type ControlCheck =
  | { ok: true; correlationId: string; body: Uint8Array }
  | { ok: false; correlationId: string | null; reason: ControlRefusal };

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export interface ControlAuthOptions {
  keys: readonly KeyObject[];
  maxSkewMs: number;
  /** Records a nonce for ttlMs; false when seen already. */
  claimNonce(nonce: string, ttlMs: number): Promise<boolean>;
  now?: () => number;
}

/**
 * Authorises one control message, cheapest checks first: body size, headers (correlation id,
 * timestamp, nonce, signature), clock skew, the Ed25519 signature against every operator key, and
 * last the nonce (recorded for twice the skew, so a replay inside the accepted window is refused).
 * The body is parsed only after all of this, by the caller.
 */
export async function authoriseControl(
  eventType: string,
  input: ControlInput,
  options: ControlAuthOptions,
): Promise<ControlCheck> {
  const raw = input.header(HUB_HEADERS.correlationId);
  let correlationId: string | null = null;
  try {
    correlationId = checkCorrelationId(raw);
  } catch {
    correlationId = null;
  }
  const refuse = (reason: ControlRefusal): ControlCheck => ({ ok: false, correlationId, reason });
  if (correlationId === null) return refuse('invalid_envelope');
  if (input.body.length > CONTROL_BOUNDS.maxBodyBytes) return refuse('invalid_envelope');
  const signature = input.header(HUB_HEADERS.signature);
  if (signature === undefined || signature === '') return refuse('unsigned');
  const timestamp = input.header(HUB_HEADERS.timestamp);
  const nonce = input.header(HUB_HEADERS.nonce);
  if (timestamp === undefined || timestamp.length > 40 || !ISO.test(timestamp))
    return refuse('invalid_envelope');
  if (!isControlNonce(nonce)) return refuse('invalid_envelope');
  if (signature.length > 200 || !BASE64.test(signature)) return refuse('bad_signature');
  const now = options.now?.() ?? Date.now();
  const at = Date.parse(timestamp);
  if (!Number.isFinite(at) || Math.abs(now - at) > options.maxSkewMs) return refuse('stale');
  const signed = controlSigningInput(eventType, timestamp, nonce, correlationId, input.body);
  const bytes = Buffer.from(signature, 'base64');
  if (bytes.length !== 64 || !options.keys.some((key) => verify(null, signed, key, bytes))) {
    return refuse('bad_signature');
  }
  if (!(await options.claimNonce(nonce, options.maxSkewMs * 2))) return refuse('replayed');
  return { ok: true, correlationId, body: input.body };
}
