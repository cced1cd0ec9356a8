/** `cache-cli watch`, the built binary against a real Redis: one line (or JSON) per change event. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CacheClient, type CacheEvent, createCacheClient } from '@org/cache-client';
import { makeReading, type RedisServer, startRedis } from '@org/cache-testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './test/run-cli.js';

const PREFIX = `cli-watch-${process.pid}:`;
let redis: RedisServer;
let seed: CacheClient;
let home: string;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'cache-cli-watch-'));
  redis = await startRedis();
  seed = createCacheClient({ transport: 'redis', url: redis.url, keyPrefix: PREFIX });
  await seed.upsertReadings([makeReading('gw-1', 'T', 1), makeReading('x-1', 'T', 1)]);
  await seed.forTenant('acme').set('gw-key', 1, { correlationId: 'req-7' });
  await seed.upsertReadings([makeReading('gw-2', 'T', 1)]);
});

afterAll(async () => {
  await seed?.close();
  await redis?.stop();
  rmSync(home, { recursive: true, force: true });
});

const redisArgs = () => ['--redis-url', redis.url, '--key-prefix', PREFIX];

describe('cache-cli watch', () => {
  it('prints the kept events matching a pattern, one JSON event per line with --json', async () => {
    const run = await runCli(home, [
      ...redisArgs(),
      'watch',
      'gw-*',
      '--since',
      '0',
      '--limit',
      '3',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const events = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as CacheEvent);
    expect(events.map((e) => `${e.data.kind} ${e.data.key}`)).toEqual([
      'device gw-1',
      'kv gw-key',
      'device gw-2',
    ]);
    expect(events[1]!.correlation_id).toBe('req-7');
  });

  it('prints one line per event for people, filtered by kind and tenant', async () => {
    const run = await runCli(home, [
      ...redisArgs(),
      'watch',
      '--since',
      '0',
      '--kinds',
      'kv',
      '--tenant',
      'acme',
      '--limit',
      '1',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /^\S+Z set\s+kv\s+"gw-key" tenant=acme correlation=req-7 id=\d+-\d+-t\.acme\n$/,
    );
  });

  it('refuses bad flags and a malformed --since with exit 2', async () => {
    expect((await runCli(home, [...redisArgs(), 'watch', '--kinds', 'devices'])).code).toBe(2);
    expect((await runCli(home, [...redisArgs(), 'watch', '--limit', '0'])).code).toBe(2);
    const since = await runCli(home, [...redisArgs(), 'watch', '--since', 'nope']);
    expect(since.code).toBe(2);
    expect(since.stderr).toContain('since');
  });
});
