import { randomBytes } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type Msg, type NatsConnection, nanos } from '@nats-io/transport-node';
import type { CacheClient } from '@org/cache-client';
import { HUB_EVENTS } from '@org/cache-core';
import { handleControl } from './control-handler.js';
import { type HealthOptions, startHealth } from './health-publisher.js';
import { envelopeHeaders, freshEnvelope } from './hub-envelope.js';
import type { HubLogger } from './hub-logger.js';
import type { HubSettings } from './hub-settings.js';
import { type HubStore, hubStoreFor } from './hub-store.js';
import { type Relay, startingPosition, startRelay } from './relay.js';
import { HubRuntimeConfig } from './runtime-config.js';

export interface StartHubOptions {
  client: CacheClient;
  settings: HubSettings;
  logger: HubLogger;
  /** What `control.cache.action` `reload` runs (the API: re-read its tokens file). */
  reload?: () => Promise<unknown>;
  /** Cumulative lookup counts for `hit_rate` (else Redis keyspace hits). */
  lookups?: HealthOptions['lookups'];
  /** Where `config.cache.update` lands (default: a new one, see `Hub.config`). */
  config?: HubRuntimeConfig;
  /** Default: the cache's Redis when the client is on Redis, else in process. */
  store?: HubStore;
}

export interface Hub {
  /** The policies received on `config.cache.update`. */
  readonly config: HubRuntimeConfig;
  readonly relay: Relay;
  /** Publishes a health event now (tests). */
  publishHealth(): Promise<unknown>;
  stop(): Promise<void>;
}

/** Control messages handled at once by one instance; more are dropped unanswered (and counted in the log). */
export const MAX_CONTROL_IN_FLIGHT = 256;

/** Queue group of the control subscriptions: each control message goes to one instance. */
export const CONTROL_QUEUE = 'cache-hub-control';

/** Subjects of the hub, with the configured prefix. */
export function hubSubjects(prefix: string) {
  return {
    item: `${prefix}${HUB_EVENTS.itemUpdated}`,
    health: `${prefix}${HUB_EVENTS.healthStatus}`,
    action: `${prefix}${HUB_EVENTS.controlAction}`,
    config: `${prefix}${HUB_EVENTS.configUpdate}`,
    result: `${prefix}${HUB_EVENTS.controlResult}`,
  };
}

/** Creates the stream when missing (subjects `cache.>` and the result subject, both prefixed). */
async function ensureStream(nc: NatsConnection, settings: HubSettings): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const subjects = [`${settings.subjectPrefix}cache.>`, hubSubjects(settings.subjectPrefix).result];
  const config = {
    subjects,
    max_age: nanos(settings.streamMaxAgeSeconds * 1000),
    duplicate_window: nanos(settings.duplicateWindowSeconds * 1000),
  };
  try {
    await jsm.streams.info(settings.stream);
    await jsm.streams.update(settings.stream, config);
  } catch (error) {
    if (!/not found/i.test((error as Error).message)) throw error;
    await jsm.streams.add({ name: settings.stream, ...config });
  }
}

/**
 * Starts the message hub: connects to NATS, makes sure the stream exists, then runs the relay
 * (outbox → JetStream, one instance at a time), the health publisher and the control subscriptions.
 */
export async function startHub(options: StartHubOptions): Promise<Hub> {
  const { client, settings, logger } = options;
  const nc = await connect({
    servers: settings.servers,
    name: `${settings.serviceId}-hub`,
    user: settings.user,
    pass: settings.password,
    token: settings.token,
    maxReconnectAttempts: -1,
  });
  try {
    await ensureStream(nc, settings);
  } catch (error) {
    await nc.close();
    throw error;
  }
  const js = jetstream(nc);
  const store = options.store ?? hubStoreFor(client);
  const config = options.config ?? new HubRuntimeConfig();
  const subjects = hubSubjects(settings.subjectPrefix);
  const instanceId = `${settings.serviceId}:${randomBytes(8).toString('hex')}`;
  // read before startHub returns: every change after it is relayed, even on the very first start
  let startMs: number | null = null;
  if (settings.relayStart === 'now') {
    try {
      startMs = await store.clockMs();
      // saved now, not by the relay's first turn: a hub stopped before that turn must not let the
      // next start pick a later 'now' and skip what was written in between
      await store.initPosition(startingPosition(startMs));
    } catch (error) {
      await nc.close();
      throw error;
    }
  }

  const relay = startRelay({
    client,
    js,
    store,
    logger,
    instanceId,
    subject: subjects.item,
    serviceId: settings.serviceId,
    eventTtlSeconds: settings.eventTtlSeconds,
    batch: settings.relayBatch,
    pollMs: settings.relayPollMs,
    startMs,
    leaseMs: settings.leaseSeconds * 1000,
  });
  const health = startHealth({
    client,
    js,
    store,
    logger,
    subject: subjects.health,
    serviceId: settings.serviceId,
    intervalSeconds: settings.healthIntervalSeconds,
    lookups: options.lookups,
  });

  const controlOptions = {
    client,
    config,
    logger,
    serviceId: settings.serviceId,
    reload: options.reload,
    keys: settings.controlKeys,
    maxSkewMs: settings.controlMaxSkewSeconds * 1000,
    claimNonce: (nonce: string, ttlMs: number) => store.claimNonce(nonce, ttlMs),
  };
  if (settings.controlKeys.length === 0) {
    logger.warn({}, 'hub: no HUB_CONTROL_PUBLIC_KEYS, every control message is refused');
  }
  const pending = new Set<Promise<void>>();
  const refusals = { count: 0, last: 0, reasons: {} as Record<string, number> };
  const noteRefusal = (reason: string) => {
    refusals.count++;
    refusals.reasons[reason] = (refusals.reasons[reason] ?? 0) + 1;
    const now = Date.now();
    if (now - refusals.last < 1_000) return;
    logger.warn({ refused: refusals.count, reasons: refusals.reasons }, 'hub: control messages refused');
    refusals.count = 0;
    refusals.reasons = {};
    refusals.last = now;
  };
  const answer =
    (eventType: typeof HUB_EVENTS.controlAction | typeof HUB_EVENTS.configUpdate) =>
    (error: Error | null, msg: Msg) => {
      if (error) return;
      if (pending.size >= MAX_CONTROL_IN_FLIGHT) {
        noteRefusal('dropped_overload'); // no answer: a flood must not grow memory without bound
        return;
      }
      const work = handleControl(
        eventType,
        { header: (name) => msg.headers?.get(name) || undefined, body: msg.data },
        controlOptions,
      )
        .then(async (result) => {
          if (result.data.status !== 'applied') noteRefusal(result.data.reason ?? 'unknown');
          const envelope = freshEnvelope(
            HUB_EVENTS.controlResult,
            settings.serviceId,
            result.correlation_id ?? crypto.randomUUID(),
            settings.eventTtlSeconds,
          );
          const body = new TextEncoder().encode(JSON.stringify(result));
          await js.publish(subjects.result, body, {
            msgID: envelope.messageId,
            headers: envelopeHeaders(envelope),
          });
          if (msg.reply) msg.respond(body, { headers: envelopeHeaders(envelope) });
        })
        .catch((e: Error) =>
          logger.warn({ err: { message: e.message } }, 'hub: control result not published'),
        )
        .finally(() => pending.delete(work));
      pending.add(work);
    };
  const subscriptions = [
    nc.subscribe(subjects.action, { queue: CONTROL_QUEUE, callback: answer(HUB_EVENTS.controlAction) }),
    nc.subscribe(subjects.config, { queue: CONTROL_QUEUE, callback: answer(HUB_EVENTS.configUpdate) }),
  ];
  logger.info(
    { servers: settings.servers, stream: settings.stream, subjects, instance: instanceId },
    'hub: connected to NATS',
  );

  return {
    config,
    relay,
    publishHealth: () => health.tick(),
    stop: async () => {
      health.stop();
      for (const s of subscriptions) s.unsubscribe();
      await relay.stop();
      await Promise.allSettled([...pending]);
      await nc.drain().catch(() => nc.close());
    },
  };
}
