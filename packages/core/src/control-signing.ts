import { createPrivateKey, createPublicKey, type KeyObject, randomBytes, sign } from 'node:crypto';
import { controlSigningInput } from './models/control-message.js';
import { HUB_EVENT_VERSION, type HUB_EVENTS, HUB_HEADERS } from './models/hub-envelope.js';

/** The subjects' event types an operator signs for. */
export type ControlEventType = typeof HUB_EVENTS.controlAction | typeof HUB_EVENTS.configUpdate;

/** A control message ready to publish: its subject's event type, body bytes and headers. */
export interface SignedControlMessage {
  eventType: string;
  body: Uint8Array;
  headers: Record<string, string>;
}

/**
 * Signs a control message (`control.cache.action` or `config.cache.update`) with an operator's
 * Ed25519 private key: the body is `{ event, version: "1.0", data }`, the headers the envelope plus
 * `X-Nonce` and `X-Signature` (over `controlSigningInput`). What an operator tool (`cache-cli hub`)
 * calls before publishing; the hub verifies it against `HUB_CONTROL_PUBLIC_KEYS`.
 */
export function signControlMessage(
  eventType: ControlEventType,
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

/** Largest operator key file accepted (an Ed25519 PKCS8 PEM is 119 bytes). */
export const OPERATOR_KEY_MAX_BYTES = 16 * 1024;

/** An operator key that cannot be used to sign, with a message saying why (no key material in it). */
export class OperatorKeyError extends Error {
  override readonly name = 'OperatorKeyError';
}

/**
 * Reads an operator's private key from PEM text (PKCS8 `BEGIN PRIVATE KEY`, as `cache-cli hub
 * keygen` and `openssl genpkey -algorithm ed25519` write). Throws `OperatorKeyError` for anything
 * else: a public key, an encrypted key, another algorithm (RSA, EC, Ed448), not PEM, over
 * `OPERATOR_KEY_MAX_BYTES`.
 */
export function operatorPrivateKeyFromPem(pem: string): KeyObject {
  if (pem.length > OPERATOR_KEY_MAX_BYTES) {
    throw new OperatorKeyError(
      `the key file is over ${OPERATOR_KEY_MAX_BYTES} bytes: not an Ed25519 PEM key`,
    );
  }
  const text = pem.trim();
  if (/-----BEGIN (RSA |EC )?PUBLIC KEY-----/.test(text)) {
    throw new OperatorKeyError(
      'this is a public key: sign with the private key (its public key goes to HUB_CONTROL_PUBLIC_KEYS)',
    );
  }
  if (text.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----')) {
    throw new OperatorKeyError(
      'the private key is encrypted: store it unencrypted (mode 0600), e.g. openssl pkey -in key.pem -out plain.pem',
    );
  }
  if (
    !/^-----BEGIN [A-Z ]*PRIVATE KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END [A-Z ]*PRIVATE KEY-----$/.test(text)
  ) {
    throw new OperatorKeyError('not a PEM private key (expected -----BEGIN PRIVATE KEY-----)');
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: text, format: 'pem' });
  } catch {
    throw new OperatorKeyError('the PEM private key cannot be read (damaged?)');
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new OperatorKeyError(
      `an ${key.asymmetricKeyType ?? 'unknown'} key: operator keys are Ed25519 (cache-cli hub keygen)`,
    );
  }
  return key;
}

/**
 * The public key of an operator key (private or public), in the form `HUB_CONTROL_PUBLIC_KEYS`
 * takes: base64 of the raw 32 bytes.
 */
export function operatorPublicKeyBase64(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  if (publicKey.asymmetricKeyType !== 'ed25519') throw new OperatorKeyError('not an Ed25519 key');
  const x = publicKey.export({ format: 'jwk' }).x;
  if (x === undefined) throw new OperatorKeyError('not an Ed25519 key');
  return Buffer.from(x, 'base64url').toString('base64');
}
