import type { NatsConnection } from '@nats-io/transport-node';
import { type CacheClient, createCacheClient } from '@org/cache-client';
import { ControlResultEvent, HUB_HEADERS } from '@org/cache-core';
import { type NatsServer, type RedisServer, startNats, startRedis } from '@org/cache-testkit';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signControlMessage } from './control-signer.js';
import {
  natsConnect,
  operatorKeys,
  requestControl,
  streamMessages,
  testSettings,
  until,
} from './hub-test-kit.js';
import { type Hub, hubSubjects, startHub } from './start-hub.js';

const quiet = { info() {}, warn() {}, error() {} };
const subjects = hubSubjects('');

describe('message hub control (real Redis, real nats-server)', () => {
  let redis: RedisServer;
  let nats: NatsServer;
  let client: CacheClient;
  let nc: NatsConnection;
  let hub: Hub;
  let reloads = 0;
  const operator = operatorKeys();
  const stranger = operatorKeys();

  beforeAll(async () => {
    [redis, nats] = await Promise.all([startRedis(), startNats()]);
    client = createCacheClient({ transport: 'redis', url: redis.url });
    nc = await natsConnect(nats.url);
    hub = await startHub({
      client,
      settings: testSettings(nats.url, { HUB_CONTROL_PUBLIC_KEYS: operator.publicBase64 }),
      logger: quiet,
      reload: async () => {
        reloads++;
      },
    });
  });
  afterAll(async () => {
    await hub?.stop();
    await nc?.close();
    await client?.close();
    await Promise.all([redis?.stop(), nats?.stop()]);
  });

  const send = async (subject: string, message: { body: Uint8Array; headers: Record<string, string> }) => {
    const reply = await requestControl(nc, subject, message.body, message.headers);
    return ControlResultEvent.parse(reply.json);
  };

  it('applies a signed invalidate and answers applied, with the correlation id, also on control.cache.result', async () => {
    const acme = client.forTenant('acme');
    await acme.setMany([
      { key: 'user:1', value: 1 },
      { key: 'user:2', value: 2 },
      { key: 'keep', value: 3 },
    ]);
    const message = signControlMessage(
      'control.cache.action',
      { action: 'invalidate', tenant: 'acme', pattern: 'user:*' },
      operator.privateKey,
      { correlationId: 'op-1' },
    );
    const result = await send(subjects.action, message);
    expect(result).toMatchObject({
      correlation_id: 'op-1',
      data: {
        status: 'applied',
        reason: null,
        result: { deleted: 2 },
        request_event: 'control.cache.action',
      },
    });
    expect((await acme.listKeys('*')).keys).toEqual(['keep']);
    await until(async () =>
      (await streamMessages(nc, 'CACHE_EVENTS', subjects.result)).some(
        (m) => (m.json as ControlResultEvent).correlation_id === 'op-1',
      ),
    );
    const stored = (await streamMessages(nc, 'CACHE_EVENTS', subjects.result)).find(
      (m) => (m.json as ControlResultEvent).correlation_id === 'op-1',
    )!;
    expect(stored.headers[HUB_HEADERS.correlationId]).toBe('op-1');
    expect(stored.headers[HUB_HEADERS.eventType]).toBe('control.cache.result');
    // the deletes went through the outbox with the operator's correlation id
    const events = (await client.readEvents({ limit: 1000 })).events.filter(
      (e) => e.correlation_id === 'op-1',
    );
    expect(events.map((e) => e.data.operation)).toEqual(['invalidate', 'invalidate']);
  });

  it('applies clear_tenant, reload and config updates', async () => {
    await client.forTenant('beta').set('x', 1);
    const clear = await send(
      subjects.action,
      signControlMessage(
        'control.cache.action',
        { action: 'clear_tenant', tenant: 'beta' },
        operator.privateKey,
      ),
    );
    expect(clear.data).toMatchObject({ status: 'applied', result: { deleted: 1 } });
    const reload = await send(
      subjects.action,
      signControlMessage('control.cache.action', { action: 'reload' }, operator.privateKey),
    );
    expect(reload.data).toMatchObject({ status: 'applied', result: { reloaded: true } });
    expect(reloads).toBe(1);
    const update = await send(
      subjects.config,
      signControlMessage(
        'config.cache.update',
        {
          default_ttl: 120,
          services: { billing: { cache_types: { session: { ttl: 900, consistency: 'strong' } } } },
        },
        operator.privateKey,
      ),
    );
    expect(update.data).toMatchObject({ status: 'applied', request_event: 'config.cache.update' });
    expect(hub.config.defaultTtlSeconds).toBe(120);
    expect(hub.config.policy('billing', 'session')).toEqual({ ttl: 900, consistency: 'strong' });
    expect(hub.config.policy('other', 'session')).toBeUndefined();
  });

  it('refuses unsigned, badly signed, replayed, stale and cross-subject messages, each with a result', async () => {
    await client.forTenant('acme').set('guard', 1);
    const action = { action: 'invalidate', tenant: 'acme', pattern: '*' };
    const good = signControlMessage('control.cache.action', action, operator.privateKey, {
      correlationId: 'c-ok',
    });
    const { [HUB_HEADERS.signature]: _, ...unsigned } = good.headers;
    const cases: [string, string, { body: Uint8Array; headers: Record<string, string> }][] = [
      ['unsigned', subjects.action, { body: good.body, headers: unsigned }],
      [
        'bad_signature',
        subjects.action,
        signControlMessage('control.cache.action', action, stranger.privateKey, { correlationId: 'c-x' }),
      ],
      [
        'bad_signature',
        subjects.action,
        {
          body: new TextEncoder().encode(
            JSON.stringify({ event: 'control.cache.action', version: '1.0', data: { action: 'flush' } }),
          ),
          headers: good.headers,
        },
      ],
      ['bad_signature', subjects.config, good], // signed for another subject
      [
        'stale',
        subjects.action,
        signControlMessage('control.cache.action', action, operator.privateKey, {
          now: new Date(Date.now() - 120_000),
        }),
      ],
    ];
    for (const [reason, subject, message] of cases) {
      const result = await send(subject, message);
      expect(result.data, reason).toMatchObject({ status: 'refused', reason, result: null });
      expect(result.correlation_id).toBe(message.headers[HUB_HEADERS.correlationId]);
    }
    expect(await client.forTenant('acme').get('guard')).not.toBeNull();
    expect((await send(subjects.action, good)).data.status).toBe('applied');
    expect((await send(subjects.action, good)).data).toMatchObject({ status: 'refused', reason: 'replayed' });
  });

  it('hostile messages are never applied, each is answered, and the hub keeps working', async () => {
    await client.forTenant('acme').set('canary', 1);
    const version = hub.config.version;
    const header = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ minLength: 1000, maxLength: 3000 }),
      fc.constantFrom('', 'null', '1970-01-01T00:00:00Z', new Date().toISOString(), 'A'.repeat(86) + '=='),
    );
    const hostileBody = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.json().map((j) => new TextEncoder().encode(j)),
      fc
        .anything()
        .map((v) =>
          new TextEncoder().encode(
            JSON.stringify({ event: 'control.cache.action', version: '1.0', data: v }) ?? '',
          ),
        ),
      fc.constant(new TextEncoder().encode(`{"x":"${'y'.repeat(70_000)}"}`)),
    );
    const headersArb = fc.record(
      {
        [HUB_HEADERS.correlationId]: header,
        [HUB_HEADERS.timestamp]: header,
        [HUB_HEADERS.nonce]: header,
        [HUB_HEADERS.signature]: header,
      },
      { requiredKeys: [] },
    );
    // NATS headers cannot carry CR/LF; the client refuses them before sending
    const clean = (h: Record<string, string>) =>
      Object.fromEntries(Object.entries(h).map(([k, v]) => [k, v.replace(/[\r\n]/g, ' ')]));
    // a validly signed message whose body breaks the schema: authorised, then refused as invalid_message
    const signedHostile = fc
      .anything()
      .map((data) => signControlMessage('control.cache.action', data, operator.privateKey));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ body: hostileBody, headers: headersArb.map(clean) }),
          signedHostile.filter((m) => {
            const data = JSON.parse(new TextDecoder().decode(m.body)).data;
            return !(data && typeof data === 'object' && ['flush', 'reload'].includes(data.action));
          }),
        ),
        fc.constantFrom(subjects.action, subjects.config),
        async (message, subject) => {
          const result = await send(subject, message);
          expect(result.data.status).not.toBe('applied');
          expect(result.data.result).toBeNull();
        },
      ),
      { numRuns: 150 },
    );
    expect(await client.forTenant('acme').get('canary')).not.toBeNull();
    expect(hub.config.version).toBe(version);
    const after = await send(
      subjects.action,
      signControlMessage(
        'control.cache.action',
        { action: 'clear_tenant', tenant: 'acme' },
        operator.privateKey,
      ),
    );
    expect(after.data.status).toBe('applied');
  });
});
