import type { JetStreamClient } from '@nats-io/jetstream';
import type { CacheClient } from '@org/cache-client';
import type { CacheEvent } from '@org/cache-core';
import { envelopeHeaders } from './hub-envelope.js';
import type { HubLogger } from './hub-logger.js';
import type { HubStore } from './hub-store.js';

export interface RelayOptions {
  client: CacheClient;
  js: JetStreamClient;
  store: HubStore;
  logger: HubLogger;
  /** Unique per process: the lease holder's name. */
  instanceId: string;
  subject: string;
  serviceId: string;
  eventTtlSeconds: number;
  batch: number;
  pollMs: number;
  leaseMs: number;
  /**
   * Where the relay starts when no position is saved (the first relay ever): this outbox clock
   * reading (ms; the hub's start), or null for the oldest event the outbox keeps.
   */
  startMs: number | null;
  /** PubAck wait (ms). */
  publishTimeoutMs?: number;
}

export interface Relay {
  /** Events acknowledged by JetStream since start (duplicates included). */
  readonly published: number;
  /** Whether this instance holds the lease now. */
  readonly leading: boolean;
  stop(): Promise<void>;
}

/** The JetStream message of an outbox event: the event as JSON, the envelope as headers, the event id as Nats-Msg-Id. */
export function eventMessage(event: CacheEvent, serviceId: string, ttlSeconds: number) {
  const body = new TextEncoder().encode(JSON.stringify(event));
  const headers = envelopeHeaders({
    messageId: event.id,
    correlationId: event.correlation_id ?? event.id,
    sourceService: serviceId,
    eventType: event.event,
    eventVersion: event.version,
    timestamp: event.data.timestamp,
    ttlSeconds,
  });
  return { body, headers };
}

/**
 * The position just before the millisecond `ms`: every event of an earlier millisecond counts as
 * delivered, every event from `ms` on is relayed (the largest seq, and source `g`, of `ms - 1`).
 */
export function startingPosition(ms: number): string {
  return `${Math.max(0, ms - 1)}-${Number.MAX_SAFE_INTEGER}-g`;
}

/**
 * Follows the outbox and publishes each event to JetStream, at least once and in the delivery
 * order of batches: a batch is published (each with `Nats-Msg-Id` = event id), every PubAck awaited,
 * then the position (last event id) saved in Redis, fenced by the lease. After a restart or a
 * takeover the relay resumes from the saved position: at most the one batch published but not saved
 * is sent again, and JetStream drops those repeats inside its duplicate window.
 */
export function startRelay(options: RelayOptions): Relay {
  const { client, js, store, logger, instanceId } = options;
  const controller = new AbortController();
  const { signal } = controller;
  let published = 0;
  let leading = false;
  let leaseAt = 0;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });

  const holdLease = async (): Promise<boolean> => {
    const now = Date.now();
    if (leading && now - leaseAt < options.leaseMs / 3) return true;
    const held = await store.holdLease(instanceId, options.leaseMs);
    if (held && !leading)
      logger.info({ instance: instanceId }, 'hub relay: lease taken, relaying the outbox');
    if (!held && leading) logger.warn({ instance: instanceId }, 'hub relay: lease lost');
    leading = held;
    leaseAt = now;
    return held;
  };

  const loop = async () => {
    let position: string | null = null;
    let fresh = true;
    let failures = 0;
    while (!signal.aborted) {
      try {
        if (!(await holdLease())) {
          fresh = true;
          await sleep(options.leaseMs / 3);
          continue;
        }
        if (fresh) {
          position = await store.loadPosition();
          if (position === null && options.startMs !== null) {
            position = startingPosition(options.startMs);
            if (!(await store.savePosition(instanceId, position))) continue;
          }
          fresh = false;
        }
        const page = await client.readEvents({ since: position, limit: options.batch });
        if (page.events.length > 0) {
          await Promise.all(
            page.events.map((event) => {
              const { body, headers } = eventMessage(event, options.serviceId, options.eventTtlSeconds);
              return js.publish(options.subject, body, {
                msgID: event.id,
                headers,
                timeout: options.publishTimeoutMs ?? 5_000,
              });
            }),
          );
          published += page.events.length;
          const last = page.events.at(-1)!.id;
          if (!(await store.savePosition(instanceId, last))) {
            // another instance took over: it resumes from the last saved position
            leading = false;
            fresh = true;
            continue;
          }
          position = last;
        }
        failures = 0;
        if (!page.more) await sleep(options.pollMs);
      } catch (error) {
        failures++;
        // re-read the saved position: what was published but not saved goes again (deduplicated)
        fresh = true;
        if (failures === 1 || failures % 50 === 0) {
          logger.warn({ err: { message: (error as Error).message }, failures }, 'hub relay: retrying');
        }
        await sleep(Math.min(5_000, 100 * 2 ** Math.min(failures, 6)));
      }
    }
  };

  const done = loop();
  return {
    get published() {
      return published;
    },
    get leading() {
      return leading;
    },
    stop: async () => {
      controller.abort();
      await done;
      if (leading) await store.releaseLease(instanceId).catch(() => {});
      leading = false;
    },
  };
}
