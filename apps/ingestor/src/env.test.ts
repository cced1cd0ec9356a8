import { parseCommonSettings } from '@org/service-kit';
import { commonEnvArbitrary } from '@org/service-kit/testing';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from './env.js';

describe('loadConfig', () => {
  test('defaults are the seed service names and values', () => {
    const c = loadConfig({});
    expect(c.kafka).toMatchObject({
      brokers: ['kafka:9092'],
      topic: 'iot_validated_data',
      errorTopic: 'iot_errors',
      groupId: 'cache_service_group',
      fromBeginning: true,
      maxWaitTimeMs: 1000,
    });
    expect(c.redis).toEqual({
      url: 'redis://redis:6379/0',
      password: undefined,
      ttlSeconds: 86_400,
      keyPrefix: '',
      outbox: { enabled: true, maxLength: 100_000, maxAgeSeconds: 86_400 },
    });
    expect(c.health.port).toBe(9464);
    expect(c.logLevel).toBe('info');
    expect(c.logFormat).toBe('auto');
    expect(c.bounds).toEqual({ maxFutureSkewMs: 300_000 });
    expect(c.batch.maxMessageBytes).toBe(1024 * 1024);
  });

  test('REDIS_WAIT_*: unset replicas leave the deployment default; bounds refused with the name', () => {
    expect(loadConfig({}).redisWait).toEqual({ timeoutMs: 1_000 });
    expect(loadConfig({ REDIS_WAIT_REPLICAS: '0', REDIS_WAIT_TIMEOUT_MS: '250' }).redisWait).toEqual({
      replicas: 0,
      timeoutMs: 250,
    });
    for (const bad of [
      { REDIS_WAIT_REPLICAS: '6' },
      { REDIS_WAIT_REPLICAS: '-1' },
      { REDIS_WAIT_TIMEOUT_MS: '0' },
    ]) {
      expect(() => loadConfig(bad)).toThrow(new RegExp(Object.keys(bad)[0]!));
    }
  });

  test('reads every variable', () => {
    const c = loadConfig({
      KAFKA_BOOTSTRAP_SERVERS: 'k1:19092, k2',
      KAFKA_VALIDATED_DATA_TOPIC: 'in',
      KAFKA_ERROR_TOPIC: 'err',
      KAFKA_CONSUMER_GROUP_ID: 'g',
      KAFKA_CONSUMER_POLL_TIMEOUT_S: '0.25',
      KAFKA_AUTO_OFFSET_RESET: 'LATEST',
      REDIS_HOST: 'cache',
      REDIS_PORT: '6380',
      REDIS_DB: '3',
      REDIS_PASSWORD: 's3cret',
      REDIS_METADATA_TTL: '600',
      KEY_PREFIX: 't1:',
      INGEST_BATCH_MAX_MESSAGES: '100',
      INGEST_MAX_MESSAGE_BYTES: '2048',
      MAX_FUTURE_SKEW: '60',
      HEALTH_PORT: '0',
      LOG_LEVEL: 'WARNING',
    });
    expect(c.kafka.brokers).toEqual(['k1:19092', 'k2:9092']);
    expect(c.kafka).toMatchObject({
      topic: 'in',
      errorTopic: 'err',
      groupId: 'g',
      maxWaitTimeMs: 250,
      fromBeginning: false,
    });
    expect(c.redis).toEqual({
      url: 'redis://cache:6380/3',
      password: 's3cret',
      ttlSeconds: 600,
      keyPrefix: 't1:',
      outbox: { enabled: true, maxLength: 100_000, maxAgeSeconds: 86_400 },
    });
    expect(c.batch).toEqual({ maxMessages: 100, maxMessageBytes: 2048 });
    expect(c.bounds).toEqual({ maxFutureSkewMs: 60_000 });
    expect(c.health.port).toBe(0);
    expect(c.logLevel).toBe('warn');
  });

  test('REDIS_CLUSTER_NODES or REDIS_URL (never both) win over host and port; blank means unset', () => {
    expect(loadConfig({ REDIS_URL: 'redis://r:1/2', REDIS_HOST: 'ignored' }).redis.url).toBe('redis://r:1/2');
    expect(
      loadConfig({ REDIS_URL: 'redis://:pw@r:1', REDIS_PASSWORD: 'other' }).redis.password,
    ).toBeUndefined();
    const cluster = loadConfig({
      REDIS_CLUSTER_NODES: 'a:7000,b',
      REDIS_HOST: 'ignored',
      REDIS_PASSWORD: 'p',
    });
    expect(cluster.redis).toMatchObject({ clusterNodes: ['a:7000', 'b:6379'], password: 'p' });
    expect(cluster.redis.url).toBeUndefined();
    expect(loadConfig({ REDIS_PASSWORD: '', REDIS_URL: ' ' }).redis).toMatchObject({
      url: 'redis://redis:6379/0',
      password: undefined,
    });
    // Both named: refused with a clear message, as the API does (it used to pick the cluster silently).
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'a:7000', REDIS_URL: 'redis://r:1' })).toThrow(
      'REDIS_CLUSTER_NODES: set either REDIS_URL (one Redis) or REDIS_CLUSTER_NODES (Redis Cluster), not both',
    );
  });

  test('parses the common settings exactly as @org/service-kit does (so as the API), or refuses them as it does', () => {
    fc.assert(
      fc.property(commonEnvArbitrary, (source) => {
        let expected: ReturnType<typeof parseCommonSettings> | Error;
        try {
          expected = parseCommonSettings(source);
        } catch (error) {
          expected = error as Error;
        }
        if (expected instanceof Error) {
          expect(() => loadConfig(source)).toThrow(ConfigError);
          // the same variables named, in the same words
          expect(() => loadConfig(source)).toThrow(expected.message.replace('invalid environment: ', ''));
        } else {
          const config = loadConfig(source);
          expect(config.settings).toEqual(expected);
          expect(config.logLevel).toBe(expected.LOG_LEVEL);
          expect(config.logFormat).toBe(expected.LOG_FORMAT);
          expect(config.redis).toMatchObject({
            keyPrefix: expected.KEY_PREFIX,
            ttlSeconds: expected.REDIS_METADATA_TTL,
            outbox: {
              enabled: expected.OUTBOX_ENABLED,
              maxLength: expected.OUTBOX_MAX_LENGTH,
              maxAgeSeconds: expected.OUTBOX_MAX_AGE_SECONDS,
            },
          });
        }
      }),
      { numRuns: 1_000 },
    );
  });

  test('KEY_PREFIX is bounded to 64 characters (as in the API); OUTBOX_ENABLED=false turns the outbox off', () => {
    expect(() => loadConfig({ KEY_PREFIX: 'k'.repeat(65) })).toThrow(/KEY_PREFIX/);
    expect(loadConfig({ OUTBOX_ENABLED: 'false' }).redis.outbox.enabled).toBe(false);
    expect(loadConfig({ LOG_LEVEL: 'CRITICAL', LOG_FORMAT: 'JSON' })).toMatchObject({
      logLevel: 'fatal',
      logFormat: 'json',
    });
  });

  test('one error names every bad variable', () => {
    let error: unknown;
    try {
      loadConfig({
        KAFKA_BOOTSTRAP_SERVERS: 'host:notaport',
        KAFKA_AUTO_OFFSET_RESET: 'middle',
        REDIS_PORT: '70000',
        REDIS_METADATA_TTL: '-1',
        HEALTH_PORT: 'x',
        LOG_LEVEL: 'loud',
        REDIS_URL: 'http://nope',
        MAX_FUTURE_SKEW: '-5',
        INGEST_MAX_MESSAGE_BYTES: String(2 * 1024 * 1024),
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of [
      'KAFKA_BOOTSTRAP_SERVERS',
      'KAFKA_AUTO_OFFSET_RESET',
      'REDIS_PORT',
      'REDIS_METADATA_TTL',
      'HEALTH_PORT',
      'LOG_LEVEL',
      'REDIS_URL',
      'MAX_FUTURE_SKEW',
      'INGEST_MAX_MESSAGE_BYTES',
    ]) {
      expect(message).toContain(name);
    }
  });

  test('a heartbeat that is not well below the session timeout is refused', () => {
    expect(() =>
      loadConfig({ KAFKA_SESSION_TIMEOUT_MS: '6000', KAFKA_HEARTBEAT_INTERVAL_MS: '3000' }),
    ).toThrow(/KAFKA_HEARTBEAT_INTERVAL_MS/);
  });
});
