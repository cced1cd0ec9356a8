import { createPublicKey, type KeyObject } from 'node:crypto';
import { envBoolean, envList } from '@org/cache-core';
import { z } from 'zod';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Most operator keys HUB_CONTROL_PUBLIC_KEYS may list. */
export const MAX_CONTROL_KEYS = 16;

/**
 * One operator public key: PEM (SPKI, `-----BEGIN PUBLIC KEY-----`), base64 of the DER SPKI, or
 * base64 of the 32 raw Ed25519 bytes. Only Ed25519 keys are accepted.
 */
export function parseControlPublicKey(text: string): KeyObject {
  const t = text.trim();
  let key: KeyObject;
  if (t.startsWith('-----BEGIN')) key = createPublicKey(t);
  else {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(t) || t.length > 1024) throw new Error('not base64 or PEM');
    const bytes = Buffer.from(t, 'base64');
    key =
      bytes.length === 32
        ? createPublicKey({
            key: { kty: 'OKP', crv: 'Ed25519', x: bytes.toString('base64url') },
            format: 'jwk',
          })
        : createPublicKey({ key: bytes, format: 'der', type: 'spki' });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('not an Ed25519 key');
  return key;
}

/** `;`-separated (PEM holds no `;`), so a PEM with its newlines fits one variable; `,` works for base64 keys. */
const controlKeys = z
  .string()
  .max(64 * 1024)
  .transform((text, ctx): KeyObject[] => {
    const items = text
      .split(/[;,]/)
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    if (items.length > MAX_CONTROL_KEYS) {
      ctx.issues.push({ code: 'custom', message: `at most ${MAX_CONTROL_KEYS} keys`, input: '(keys)' });
      return z.NEVER;
    }
    const keys: KeyObject[] = [];
    items.forEach((item, i) => {
      try {
        keys.push(parseControlPublicKey(item));
      } catch (error) {
        ctx.issues.push({
          code: 'custom',
          message: `key ${i + 1}: ${(error as Error).message.slice(0, 80)}`,
          input: '(key)',
        });
      }
    });
    return keys;
  });

const natsUrl = /^(nats|tls|wss?):\/\/[^\s,]+$/;

/**
 * The message hub's settings as env variables: spread `HUB_ENV_SHAPE` into the app's env object and
 * call `checkHubEnv` from its superRefine. Nothing here reads `process.env`.
 */
export const HUB_ENV_SHAPE = {
  /** `nats://host:port`, comma-separated for several servers; setting it turns the hub on. */
  NATS_URL: envList
    .pipe(
      z.array(z.string().max(512).regex(natsUrl, 'must be nats://, tls://, ws:// or wss:// URLs')).max(16),
    )
    .optional(),
  /** `false` keeps the hub off even with NATS_URL; `true` requires NATS_URL. Default: on when NATS_URL is set. */
  ENABLE_NATS: envBoolean.optional(),
  NATS_USER: z.string().max(256).optional(),
  NATS_PASSWORD: z.string().max(1024).optional(),
  NATS_TOKEN: z.string().max(1024).optional(),
  /** The JetStream stream the relay publishes to (created when missing). */
  NATS_STREAM: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, '1-64 of A-Z a-z 0-9 _ -')
    .default('CACHE_EVENTS'),
  /** Prepended to every subject (`prod.` gives `prod.cache.item.updated`): tokens of A-Z a-z 0-9 _ -, each ending with a dot. */
  NATS_SUBJECT_PREFIX: z
    .string()
    .max(64)
    .regex(/^([A-Za-z0-9_-]+\.)*$/, 'tokens of A-Z a-z 0-9 _ - each followed by a dot')
    .default(''),
  /** How long the stream keeps messages (s). */
  NATS_STREAM_MAX_AGE_SECONDS: int(60, 31_536_000).default(86_400),
  /** JetStream's duplicate window (s): a repeat of an event id within it is dropped by the server. */
  NATS_DUPLICATE_WINDOW_SECONDS: int(10, 86_400).default(120),
  /** `service_id` / `X-Source-Service` of hub messages. */
  HUB_SERVICE_ID: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[^\u0000-\u001f\u007f]+$/, 'no control characters')
    .default('device-cache'),
  /** `X-TTL` of change events (s). */
  HUB_EVENT_TTL_SECONDS: int(1, 31_536_000).default(86_400),
  /** `cache.health.status` period (s); 0: none. */
  HUB_HEALTH_INTERVAL_SECONDS: int(0, 3_600).default(30),
  /** Outbox events published per batch (one position save per batch). */
  HUB_RELAY_BATCH: int(1, 1_000).default(500),
  /** Outbox poll period while idle (ms). */
  HUB_RELAY_POLL_MS: int(10, 10_000).default(200),
  /** Where the relay starts when no position is saved (its first start): `now`, or `oldest` (every event the outbox keeps). */
  HUB_RELAY_START: z.enum(['now', 'oldest']).default('now'),
  /** The relay lease (s): another instance takes over this long after the relaying one stopped renewing. */
  HUB_RELAY_LEASE_SECONDS: int(3, 300).default(15),
  /** Operator Ed25519 public keys that may sign control messages (PEM `;`-separated, or base64). */
  HUB_CONTROL_PUBLIC_KEYS: controlKeys.optional(),
  /** How far a control message's timestamp may be from this clock (s). */
  HUB_CONTROL_MAX_SKEW_SECONDS: int(1, 300).default(60),
};

const HubEnvObject = z.object(HUB_ENV_SHAPE);
type HubEnvFields = z.output<typeof HubEnvObject>;

/** Cross-field rules; call from the app env's superRefine. */
export function checkHubEnv(env: HubEnvFields, ctx: z.RefinementCtx): void {
  if (env.ENABLE_NATS === true && !env.NATS_URL?.length) {
    ctx.addIssue({ code: 'custom', path: ['NATS_URL'], message: 'required when ENABLE_NATS=true' });
  }
  if (env.NATS_DUPLICATE_WINDOW_SECONDS > env.NATS_STREAM_MAX_AGE_SECONDS) {
    ctx.addIssue({
      code: 'custom',
      path: ['NATS_DUPLICATE_WINDOW_SECONDS'],
      message: 'must not exceed NATS_STREAM_MAX_AGE_SECONDS',
    });
  }
  if (env.HUB_RELAY_LEASE_SECONDS * 2 > env.NATS_DUPLICATE_WINDOW_SECONDS) {
    ctx.addIssue({
      code: 'custom',
      path: ['HUB_RELAY_LEASE_SECONDS'],
      message:
        'must be at most half of NATS_DUPLICATE_WINDOW_SECONDS (a takeover must repeat within the window)',
    });
  }
}

/** The hub's env on its own (tests, and apps that take nothing else). */
export const HubEnv = HubEnvObject.superRefine(checkHubEnv);
export type HubEnv = z.output<typeof HubEnv>;

/** What `startHub` needs, from the env. */
export interface HubSettings {
  servers: string[];
  user?: string;
  password?: string;
  token?: string;
  stream: string;
  subjectPrefix: string;
  streamMaxAgeSeconds: number;
  duplicateWindowSeconds: number;
  serviceId: string;
  eventTtlSeconds: number;
  healthIntervalSeconds: number;
  relayBatch: number;
  relayPollMs: number;
  relayStart: 'now' | 'oldest';
  leaseSeconds: number;
  controlKeys: KeyObject[];
  controlMaxSkewSeconds: number;
}

/** The hub's settings, or null when it is off (no NATS_URL, or ENABLE_NATS=false). */
export function hubSettingsOf(env: HubEnvFields): HubSettings | null {
  if (env.ENABLE_NATS === false || !env.NATS_URL?.length) return null;
  return {
    servers: env.NATS_URL,
    user: env.NATS_USER,
    password: env.NATS_PASSWORD,
    token: env.NATS_TOKEN,
    stream: env.NATS_STREAM,
    subjectPrefix: env.NATS_SUBJECT_PREFIX,
    streamMaxAgeSeconds: env.NATS_STREAM_MAX_AGE_SECONDS,
    duplicateWindowSeconds: env.NATS_DUPLICATE_WINDOW_SECONDS,
    serviceId: env.HUB_SERVICE_ID,
    eventTtlSeconds: env.HUB_EVENT_TTL_SECONDS,
    healthIntervalSeconds: env.HUB_HEALTH_INTERVAL_SECONDS,
    relayBatch: env.HUB_RELAY_BATCH,
    relayPollMs: env.HUB_RELAY_POLL_MS,
    relayStart: env.HUB_RELAY_START,
    leaseSeconds: env.HUB_RELAY_LEASE_SECONDS,
    controlKeys: env.HUB_CONTROL_PUBLIC_KEYS ?? [],
    controlMaxSkewSeconds: env.HUB_CONTROL_MAX_SKEW_SECONDS,
  };
}
