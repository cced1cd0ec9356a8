import { createCacheClient } from '@org/cache-client';
import { type NatsServer, startNats } from '@org/cache-testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHub } from './hub-runner.js';
import { natsConnect, streamMessages, testSettings, until } from './hub-test-kit.js';

describe('runHub', () => {
  let nats: NatsServer;
  beforeAll(async () => {
    nats = await startNats();
  });
  afterAll(() => nats?.stop());

  it('starts the hub once NATS answers, without making the caller wait', async () => {
    await nats.halt();
    const client = createCacheClient({ transport: 'memory' });
    const warnings: string[] = [];
    const logger = { info() {}, error() {}, warn: (_: object, message: string) => warnings.push(message) };
    const runner = runHub({ client, settings: testSettings(nats.url), logger, retryMs: 100 });
    try {
      await new Promise((r) => setTimeout(r, 400));
      expect(runner.current()).toBeNull();
      expect(warnings).toEqual(['hub: cannot start (is NATS reachable?); retrying']); // once per streak
      await client.forTenant('t').set('before', 1);
      await nats.restart();
      await until(() => runner.current() !== null);
      await client.forTenant('t').set('after', 1);
      const nc = await natsConnect(nats.url);
      try {
        await until(async () => (await streamMessages(nc, 'CACHE_EVENTS', 'cache.item.updated')).length >= 1);
        const keys = (await streamMessages(nc, 'CACHE_EVENTS', 'cache.item.updated')).map(
          (m) => (m.json as { data: { key: string } }).data.key,
        );
        expect(keys).toEqual(['after']); // relayed from the hub's start
      } finally {
        await nc.close();
      }
    } finally {
      await runner.stop();
      await client.close();
    }
  });

  it('stop() while NATS is still down ends the retries', async () => {
    await nats.halt();
    const client = createCacheClient({ transport: 'memory' });
    const quiet = { info() {}, warn() {}, error() {} };
    const runner = runHub({ client, settings: testSettings(nats.url), logger: quiet, retryMs: 50 });
    await new Promise((r) => setTimeout(r, 150));
    await runner.stop();
    await nats.restart();
    await new Promise((r) => setTimeout(r, 200));
    expect(runner.current()).toBeNull();
    await client.close();
  });
});
