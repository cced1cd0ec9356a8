import pino from 'pino';
import { describe, expect, it } from 'vitest';
import {
  cacheClientOptions,
  clientSettingsOf,
  connectionErrorLog,
  redisTargetOf,
} from './cache-client-factory.js';
import { parseCommonSettings } from './settings.js';

describe('cacheClientOptions', () => {
  it('no Redis named: the memory store, with the TTL and the outbox', () => {
    const settings = parseCommonSettings({ REDIS_METADATA_TTL: '60', OUTBOX_ENABLED: 'false' });
    expect(cacheClientOptions(clientSettingsOf(settings), { client: { maxFutureSkewMs: 1000 } })).toEqual({
      transport: 'memory',
      maxFutureSkewMs: 1000,
      ttlSeconds: 60,
      outbox: { enabled: false, maxLength: 100_000, maxAgeSeconds: 86_400 },
    });
  });

  it('REDIS_URL: one Redis; the password only fills in a URL without credentials', () => {
    const settings = parseCommonSettings({
      REDIS_URL: 'redis://h:1/2',
      REDIS_PASSWORD: 'pw',
      KEY_PREFIX: 'p:',
    });
    expect(
      cacheClientOptions(clientSettingsOf(settings), { redisOptions: { commandTimeout: 500 } }),
    ).toMatchObject({
      transport: 'redis',
      url: 'redis://h:1/2',
      keyPrefix: 'p:',
      redisOptions: { commandTimeout: 500, password: 'pw' },
    });
    const withCredentials = parseCommonSettings({ REDIS_URL: 'redis://:own@h:1', REDIS_PASSWORD: 'pw' });
    expect(redisTargetOf(withCredentials)).toEqual({ url: 'redis://:own@h:1', password: undefined });
    expect(cacheClientOptions(clientSettingsOf(withCredentials))).toMatchObject({ redisOptions: {} });
  });

  it('REDIS_CLUSTER_NODES: a Cluster, the password to every node', () => {
    const settings = parseCommonSettings({ REDIS_CLUSTER_NODES: 'a:7000,[::1]:7001', REDIS_PASSWORD: 'pw' });
    expect(cacheClientOptions(clientSettingsOf(settings))).toMatchObject({
      transport: 'redis',
      clusterNodes: ['a:7000', '[::1]:7001'],
      redisOptions: { password: 'pw' },
    });
  });

  it('the fallback target when the settings name no Redis', () => {
    const settings = parseCommonSettings({});
    expect(cacheClientOptions(clientSettingsOf(settings, { url: 'redis://redis:6379/0' }))).toMatchObject({
      transport: 'redis',
      url: 'redis://redis:6379/0',
    });
    const named = parseCommonSettings({ REDIS_URL: 'redis://x:1' });
    expect(cacheClientOptions(clientSettingsOf(named, { url: 'redis://redis:6379/0' }))).toMatchObject({
      url: 'redis://x:1',
    });
  });
});

describe('connectionErrorLog', () => {
  it('logs at most one line per interval', () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const log = connectionErrorLog(logger, 60_000);
    for (let i = 0; i < 5; i++) log(new Error(`refused ${i}`));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      msg: 'Redis connection error',
      err: { message: 'refused 0' },
    });
  });
});
