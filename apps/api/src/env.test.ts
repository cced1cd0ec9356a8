import { fixtureReadings } from '@org/cache-testkit';
import { commonSettingsOf, parseCommonSettings } from '@org/service-kit';
import { commonEnvArbitrary } from '@org/service-kit/testing';
import fc from 'fast-check';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createBackend, limitsOf } from './bootstrap.js';
import { EnvError, loadEnv } from './env.js';

describe('env', () => {
  it('has the documented defaults', () => {
    const env = loadEnv({});
    expect(env).toMatchObject({
      API_ENABLED: true,
      API_HOST: '0.0.0.0',
      API_PORT: 8080,
      REDIS_METADATA_TTL: 86_400,
      KEY_PREFIX: '',
      CACHE_DEFAULT_TTL: 3600,
      RATE_LIMIT_ENABLED: true,
      RATE_LIMIT_REQUESTS: 6000,
      RATE_LIMIT_WINDOW_SECONDS: 60,
      API_MAX_BATCH: 1000,
      CORS_ORIGINS: [],
      LOG_LEVEL: 'info',
      API_DOCS_PUBLIC: false,
    });
    expect(env.REDIS_URL).toBeUndefined();
    expect(env.DEMO_DATA).toBeUndefined();
  });

  it('has safe defaults for the security settings', () => {
    const env = loadEnv({});
    expect(env).toMatchObject({
      JWT_REQUIRE_EXP: true,
      JWT_MAX_LIFETIME: 86_400,
      JWT_CLOCK_SKEW: 60,
      AUTH_FAILURE_LIMIT: 20,
      AUTH_FAILURE_WINDOW_SECONDS: 60,
      METRICS_TENANTS: [],
      MAX_FUTURE_SKEW: 300,
    });
    expect(limitsOf(env)).toMatchObject({
      authFailureLimit: { requests: 20, windowSeconds: 60 },
      maxFutureSkewMs: 300_000,
    });
    const custom = loadEnv({
      AUTH_FAILURE_LIMIT: '0',
      MAX_FUTURE_SKEW: '30',
      METRICS_TENANTS: 'acme, globex',
    });
    expect(limitsOf(custom)).toMatchObject({ authFailureLimit: null, maxFutureSkewMs: 30_000 });
    expect(custom.METRICS_TENANTS).toEqual(['acme', 'globex']);
    expect(() => loadEnv({ METRICS_TENANTS: 'acme,bad tenant!' })).toThrow(/METRICS_TENANTS/);
    expect(() => loadEnv({ JWT_MAX_LIFETIME: '0' })).toThrow(/JWT_MAX_LIFETIME/);
    expect(() => loadEnv({ JWT_REQUIRE_EXP: 'maybe' })).toThrow(/JWT_REQUIRE_EXP/);
  });

  it('parses values and treats blank variables as unset', () => {
    const env = loadEnv({
      API_PORT: '9000',
      REDIS_CLUSTER_NODES: '10.0.0.1:7000, 10.0.0.2',
      DEMO_DATA: 'false',
      CORS_ORIGINS: 'https://a.example, https://b.example',
      API_TOKENS: 'svc:0123456789abcdef0123',
      LOG_LEVEL: '',
    });
    expect(env.API_PORT).toBe(9000);
    expect(env.REDIS_CLUSTER_NODES).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: '10.0.0.2', port: 6379 },
    ]);
    expect(env.DEMO_DATA).toBe(false);
    expect(env.CORS_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
    expect(env.API_TOKENS?.[0]?.serviceId).toBe('svc');
    expect(env.LOG_LEVEL).toBe('info');
  });

  it('names every bad variable in one message, never a secret', () => {
    let message = '';
    try {
      loadEnv({
        API_PORT: 'eighty',
        API_ENABLED: 'perhaps',
        REDIS_URL: 'http://nope',
        LOG_LEVEL: 'loud',
        RATE_LIMIT_REQUESTS: '0',
        API_TOKENS: 'svc:tiny-secret',
        JWT_SECRET: 'short-secret',
      });
    } catch (error) {
      expect(error).toBeInstanceOf(EnvError);
      message = (error as Error).message;
    }
    for (const name of [
      'API_PORT',
      'API_ENABLED',
      'REDIS_URL',
      'LOG_LEVEL',
      'RATE_LIMIT_REQUESTS',
      'API_TOKENS',
      'JWT_SECRET',
    ]) {
      expect(message).toContain(name);
    }
    expect(message).not.toContain('tiny-secret');
    expect(message).not.toContain('short-secret');
  });

  it('refuses both REDIS_URL and REDIS_CLUSTER_NODES', () => {
    expect(() => loadEnv({ REDIS_URL: 'redis://a:6379', REDIS_CLUSTER_NODES: 'b:7000' })).toThrow(
      /REDIS_CLUSTER_NODES/,
    );
  });

  it('parses the common settings exactly as @org/service-kit does (so as the ingestor), or refuses them as it does', () => {
    fc.assert(
      fc.property(commonEnvArbitrary, (source) => {
        let expected: ReturnType<typeof parseCommonSettings> | Error;
        try {
          expected = parseCommonSettings(source);
        } catch (error) {
          expected = error as Error;
        }
        if (expected instanceof Error) {
          expect(() => loadEnv(source)).toThrow(EnvError);
          // the same variables named, in the same words
          expect(() => loadEnv(source)).toThrow(expected.message);
        } else {
          expect(commonSettingsOf(loadEnv(source))).toEqual(expected);
        }
      }),
      { numRuns: 1_000 },
    );
  });

  it('accepts LOG_LEVEL in any case with the ingestor aliases; bounds KEY_PREFIX to 64 characters', () => {
    expect(loadEnv({ LOG_LEVEL: 'INFO' }).LOG_LEVEL).toBe('info');
    expect(loadEnv({ LOG_LEVEL: 'WARNING' }).LOG_LEVEL).toBe('warn');
    expect(loadEnv({ LOG_FORMAT: 'json' }).LOG_FORMAT).toBe('json');
    expect(loadEnv({}).LOG_FORMAT).toBe('auto');
    expect(() => loadEnv({ KEY_PREFIX: 'k'.repeat(65) })).toThrow(/KEY_PREFIX/);
  });
});

describe('NEAR_CACHE_MAX_BYTES', () => {
  it('is 64 MiB by default; 0 turns it off; anything else outside 1 KiB..16 GiB is refused by name', () => {
    expect(loadEnv({}).NEAR_CACHE_MAX_BYTES).toBe(64 * 1024 * 1024);
    expect(loadEnv({ NEAR_CACHE_MAX_BYTES: '0' }).NEAR_CACHE_MAX_BYTES).toBe(0);
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.integer().map(String), fc.double().map(String), fc.bigInt().map(String)),
        (text) => {
          const n = Number(text.trim());
          const valid =
            text.trim() !== '' && Number.isInteger(n) && (n === 0 || (n >= 1024 && n <= 16 * 1024 ** 3));
          if (valid) expect(loadEnv({ NEAR_CACHE_MAX_BYTES: text }).NEAR_CACHE_MAX_BYTES).toBe(n);
          else if (text.trim() !== '')
            expect(() => loadEnv({ NEAR_CACHE_MAX_BYTES: text })).toThrow(/NEAR_CACHE_MAX_BYTES/);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('EVENT_READERS_MAX and EVENT_READERS_PER_CALLER', () => {
  it('are 256 and 32 by default, reach ApiLimits, and anything outside 1..10000 is refused by name', () => {
    expect(limitsOf(loadEnv({})).eventReaders).toEqual({ perProcess: 256, perCaller: 32 });
    for (const name of ['EVENT_READERS_MAX', 'EVENT_READERS_PER_CALLER'] as const) {
      fc.assert(
        fc.property(
          fc.oneof(fc.string(), fc.integer().map(String), fc.double().map(String), fc.bigInt().map(String)),
          (text) => {
            const n = Number(text.trim());
            const valid = text.trim() !== '' && Number.isInteger(n) && n >= 1 && n <= 10_000;
            if (valid) expect(loadEnv({ [name]: text })[name]).toBe(n);
            else if (text.trim() !== '') expect(() => loadEnv({ [name]: text })).toThrow(new RegExp(name));
          },
        ),
        { numRuns: 300 },
      );
    }
    const limits = limitsOf(loadEnv({ EVENT_READERS_MAX: '10', EVENT_READERS_PER_CALLER: '2' }));
    expect(limits.eventReaders).toEqual({ perProcess: 10, perCaller: 2 });
  });
});

describe('createBackend', () => {
  const silent = pino({ level: 'silent' });
  const events = async (env: Record<string, string>) => {
    const { client, kind } = createBackend(loadEnv(env), silent);
    try {
      expect(kind).toBe('memory');
      await client.upsertReadings(fixtureReadings().slice(0, 2));
      return (await client.readEvents()).events.length;
    } finally {
      await client.close();
    }
  };

  it('OUTBOX_ENABLED=false: writes append no change event; on by default', async () => {
    expect(await events({})).toBeGreaterThan(0);
    expect(await events({ OUTBOX_ENABLED: 'false' })).toBe(0);
  });
});
