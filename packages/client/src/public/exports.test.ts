import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * The public surface of `@org/cache-client`, pinned: a name added to an entry (or a wholesale
 * re-export of `@org/cache-core` coming back) fails here until the list, the README's
 * "Public API" section and this test are updated together.
 */
const SURFACE: Record<string, string[]> = {
  '.': [
    'AuthError',
    'CacheClient',
    'CacheEntry',
    'CacheError',
    'CacheEvent',
    'CacheEventOperation',
    'CacheInfo',
    'DeviceMetadata',
    'DevicePage',
    'DeviceSort',
    'DeviceSummary',
    'ErrorCode',
    'ForbiddenError',
    'HealthState',
    'HealthStatus',
    'INPUT_BOUNDS',
    'InvalidKeyError',
    'JsonValue',
    'KeyExpiredError',
    'NEAR_CACHE_MAX_BYTES',
    'NEAR_CACHE_MIN_BYTES',
    'NotFoundError',
    'RateLimitError',
    'Reading',
    'StorageFullError',
    'StoredValueError',
    'TenantStats',
    'TimeoutError',
    'TooLargeError',
    'UnavailableError',
    'ValidatedOutput',
    'ValidationError',
    'createCacheClient',
    'isCacheError',
    'toReading',
  ],
  './transports': [
    'HttpTransport',
    'MemoryTransport',
    'RedisTransport',
    'connectionDown',
    'mapRedisError',
    'watchQuery',
  ],
  './resilience': ['CircuitBreaker', 'Resilience', 'backoffDelayMs', 'resilienceOf'],
  './value-codec': ['hasValueCodec', 'installValueCodec', 'waitForReplica'],
};

const SOURCES: Record<string, () => Promise<Record<string, unknown>>> = {
  '.': () => import('../index.js'),
  './transports': () => import('./transports.js'),
  './resilience': () => import('./resilience.js'),
  './value-codec': () => import('./value-codec.js'),
};

describe('public surface', () => {
  for (const [entry, names] of Object.entries(SURFACE)) {
    it(`${entry} exports exactly the pinned names`, async () => {
      const module = await SOURCES[entry]!();
      expect(Object.keys(module).sort()).toEqual([...names].sort());
    });
  }

  it('package.json declares each entry for import and require, with types', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(Object.keys(pkg.exports).sort()).toEqual([...Object.keys(SURFACE), './package.json'].sort());
    for (const entry of Object.keys(SURFACE)) {
      const name = entry === '.' ? 'index' : entry.slice(2);
      expect(pkg.exports[entry]).toEqual({
        import: { types: `./dist/${name}.d.ts`, default: `./dist/${name}.js` },
        require: { types: `./dist/${name}.d.cts`, default: `./dist/${name}.cjs` },
      });
    }
  });

  it('no internal of @org/cache-core leaks through the top level', async () => {
    const module = await import('../index.js');
    for (const internal of [
      'LUA_SCRIPTS',
      'createKeyScheme',
      'RECORD_FIXED_HEAD',
      'encodeReadingsRecord',
      'envBoolean',
      'describeEnvIssues',
      'DEFAULT_OUTBOX',
    ])
      expect(module, internal).not.toHaveProperty(internal);
  });
});
