import type { JetStreamClient } from '@nats-io/jetstream';
import type { CacheClient } from '@org/cache-client';
import { HUB_EVENT_VERSION, HUB_EVENTS, type HubHealthEvent } from '@org/cache-core';
import { envelopeHeaders, freshEnvelope } from './hub-envelope.js';
import type { HubLogger } from './hub-logger.js';
import type { BackendCounters, HubStore } from './hub-store.js';

/** Cumulative lookup counts (the API's `cache_api_lookups_total`), when the caller has them. */
export type LookupCounts = () => { hits: number; misses: number };

export interface HealthOptions {
  client: CacheClient;
  js: JetStreamClient;
  store: HubStore;
  logger: HubLogger;
  subject: string;
  serviceId: string;
  intervalSeconds: number;
  lookups?: LookupCounts;
}

interface Sample {
  at: number;
  counters: BackendCounters | null;
  lookups: { hits: number; misses: number } | null;
}

const rate = (hits: number, misses: number) => (hits + misses > 0 ? hits / (hits + misses) : null);

/**
 * Builds `cache.health.status` from two samples: `hit_rate` over the interval from the caller's
 * lookup counts (else Redis `keyspace_hits`/`keyspace_misses`), `memory_usage` Redis `used_memory`
 * (else the client's cache info), `ops_rate` the commands Redis processed per second over the interval.
 */
export async function healthEvent(
  client: CacheClient,
  serviceId: string,
  previous: Sample,
  current: Sample,
): Promise<HubHealthEvent> {
  const health = await client.checkHealth();
  const seconds = Math.max(0.001, (current.at - previous.at) / 1000);
  let hitRate: number | null = null;
  let memory = 0;
  let ops = 0;
  if (current.lookups && previous.lookups) {
    hitRate = rate(
      current.lookups.hits - previous.lookups.hits,
      current.lookups.misses - previous.lookups.misses,
    );
  } else if (current.counters && previous.counters) {
    hitRate = rate(
      current.counters.keyspaceHits - previous.counters.keyspaceHits,
      current.counters.keyspaceMisses - previous.counters.keyspaceMisses,
    );
  }
  if (current.counters) {
    memory = current.counters.usedMemory;
    if (previous.counters) {
      ops = Math.max(0, current.counters.commandsProcessed - previous.counters.commandsProcessed) / seconds;
    }
  } else if (health.status !== 'unhealthy') {
    memory = (await client.getCacheInfo()).memory_usage_bytes;
  }
  return {
    event: HUB_EVENTS.healthStatus,
    version: HUB_EVENT_VERSION,
    data: {
      status: health.status,
      hit_rate: hitRate,
      memory_usage: Math.max(0, Math.round(memory)),
      ops_rate: Math.round(ops * 100) / 100,
      timestamp: new Date(current.at).toISOString(),
      service_id: serviceId,
      backend: client.transport.kind,
    },
  };
}

/** Publishes `cache.health.status` every interval; the first one after the first interval. */
export function startHealth(options: HealthOptions): { stop(): void; tick(): Promise<HubHealthEvent> } {
  const sample = async (): Promise<Sample> => {
    const at = Date.now();
    const lookups = options.lookups ? options.lookups() : null; // taken now, before any await
    return { at, lookups, counters: await options.store.backendCounters().catch(() => null) };
  };
  let previous: Promise<Sample> = sample();
  let running = false;
  const tick = async () => {
    const before = await previous;
    const now = await sample();
    previous = Promise.resolve(now);
    const event = await healthEvent(options.client, options.serviceId, before, now);
    const envelope = freshEnvelope(
      HUB_EVENTS.healthStatus,
      options.serviceId,
      crypto.randomUUID(),
      // a health report is stale once the next one is due
      Math.max(1, options.intervalSeconds * 2),
    );
    await options.js.publish(options.subject, new TextEncoder().encode(JSON.stringify(event)), {
      msgID: envelope.messageId,
      headers: envelopeHeaders(envelope),
      timeout: 5_000,
    });
    return event;
  };
  const timer =
    options.intervalSeconds > 0
      ? setInterval(() => {
          if (running) return;
          running = true;
          tick()
            .catch((error: Error) =>
              options.logger.warn({ err: { message: error.message } }, 'hub: health event not published'),
            )
            .finally(() => {
              running = false;
            });
        }, options.intervalSeconds * 1000)
      : null;
  timer?.unref();
  return {
    stop: () => {
      if (timer) clearInterval(timer);
    },
    tick,
  };
}
