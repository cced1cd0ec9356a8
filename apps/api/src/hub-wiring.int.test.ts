/**
 * The API as deployed with the message hub on: env → startApi with REDIS_URL and NATS_URL. A key
 * written over HTTP arrives on JetStream with its correlation id; shutdown stops the hub.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { HUB_HEADERS } from '@org/cache-core';
import { type NatsServer, type RedisServer, startNats, startRedis } from '@org/cache-testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnv } from './env.js';
import { natsConnect, streamMessages, until } from './hub/hub-test-kit.js';
import { hubSubjects } from './hub/start-hub.js';
import { createLogger } from './logger.js';
import { type RunningApi, startApi } from './server.js';

describe('the API with NATS_URL set relays its changes to the hub', () => {
  let redis: RedisServer;
  let nats: NatsServer;
  let nc: NatsConnection;
  let api: RunningApi;

  beforeAll(async () => {
    [redis, nats] = await Promise.all([startRedis(), startNats()]);
    const env = loadEnv({
      REDIS_URL: redis.url,
      NATS_URL: nats.url,
      API_PORT: '0',
      API_HOST: '127.0.0.1',
      HUB_RELAY_POLL_MS: '20',
      // The first start relays from the oldest event (default `now` could skip a write made while NATS connects).
      HUB_RELAY_START: 'oldest',
      HUB_HEALTH_INTERVAL_SECONDS: '0',
    });
    api = await startApi(env, createLogger('silent'));
    nc = await natsConnect(nats.url);
  });
  afterAll(async () => {
    await nc?.close();
    await api?.close();
    await Promise.all([redis?.stop(), nats?.stop()]);
  });

  it('a PUT over HTTP arrives on JetStream once, with the request correlation id', async () => {
    const stream = 'CACHE_EVENTS';
    const put = await fetch(`${api.url}/api/v2/cache/greeting`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-tenant-id': 'acme', 'x-correlation-id': 'wire-1' },
      body: JSON.stringify({ value: 'hello', ttl: 60 }),
    });
    expect(put.status, await put.clone().text()).toBe(201);
    let found: Awaited<ReturnType<typeof streamMessages>> = [];
    await until(async () => {
      found = (await streamMessages(nc, stream, hubSubjects('').item).catch(() => [])).filter((m) =>
        JSON.stringify(m.json).includes('greeting'),
      );
      return found.length > 0;
    });
    expect(found).toHaveLength(1);
    expect(found[0]!.headers[HUB_HEADERS.correlationId]).toBe('wire-1');
  });
});
