import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import { connect, headers, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import { HubEnv, type HubSettings, hubSettingsOf } from './hub-settings.js';

/** Test helpers of the hub's integration tests (not part of the hub). */

export function operatorKeys(): { privateKey: KeyObject; publicBase64: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  return { privateKey, publicBase64: raw.toString('base64') };
}

export function testSettings(natsUrl: string, env: Record<string, string> = {}): HubSettings {
  const settings = hubSettingsOf(
    HubEnv.parse({
      NATS_URL: natsUrl,
      HUB_HEALTH_INTERVAL_SECONDS: '0',
      HUB_RELAY_POLL_MS: '20',
      HUB_RELAY_LEASE_SECONDS: '3',
      NATS_DUPLICATE_WINDOW_SECONDS: '60',
      ...env,
    }),
  );
  if (!settings) throw new Error('hub is off');
  return settings;
}

export interface StoredMessage {
  subject: string;
  seq: number;
  headers: Record<string, string>;
  json: unknown;
}

function headerRecord(h: MsgHdrs | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (h) for (const k of h.keys()) out[k] = h.get(k);
  return out;
}

/** Every message the stream holds on a subject, in stream order (read by sequence). */
export async function streamMessages(
  nc: NatsConnection,
  stream: string,
  subject: string,
): Promise<StoredMessage[]> {
  const js = jetstream(nc);
  const s = await js.streams.get(stream);
  const info = await s.info();
  const out: StoredMessage[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const m = await s.getMessage({ seq }).catch(() => null);
    if (!m || m.subject !== subject) continue;
    out.push({ subject: m.subject, seq: m.seq, headers: headerRecord(m.header), json: m.json() });
  }
  return out;
}

/** Polls until `check` returns true (a check that throws counts as false) or throws after `timeoutMs`. */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const attempt = async () => {
    try {
      return await check();
    } catch {
      return false;
    }
  };
  while (!(await attempt())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Sends a raw control message and waits for the hub's reply (the result event). */
export async function requestControl(
  nc: NatsConnection,
  subject: string,
  body: Uint8Array,
  hdrs: Record<string, string>,
): Promise<{ json: unknown; headers: Record<string, string> }> {
  const h = headers();
  for (const [k, v] of Object.entries(hdrs)) h.set(k, v);
  const reply = await nc.request(subject, body, { timeout: 5_000, headers: h });
  return { json: reply.json(), headers: headerRecord(reply.headers) };
}

export const natsConnect = (url: string) => connect({ servers: url });
