import { DEFAULT_OUTBOX } from '@org/cache-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMMON_SETTING_NAMES, parseCommonSettings, SETTING_BOUNDS, SettingsError } from './settings.js';
import { commonEnvArbitrary } from './testing.js';

describe('parseCommonSettings', () => {
  it('has the documented defaults', () => {
    expect(parseCommonSettings({})).toEqual({
      REDIS_METADATA_TTL: 86_400,
      KEY_PREFIX: '',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'auto',
      OUTBOX_ENABLED: true,
      OUTBOX_MAX_LENGTH: DEFAULT_OUTBOX.maxLength,
      OUTBOX_MAX_AGE_SECONDS: DEFAULT_OUTBOX.maxAgeSeconds,
    });
  });

  it('reads LOG_LEVEL in any case, with the seed aliases', () => {
    const level = (LOG_LEVEL: string) => parseCommonSettings({ LOG_LEVEL }).LOG_LEVEL;
    expect(level('INFO')).toBe('info');
    expect(level(' Warning ')).toBe('warn');
    expect(level('CRITICAL')).toBe('fatal');
    expect(level('silent')).toBe('silent');
    expect(() => level('verbose')).toThrow(/LOG_LEVEL/);
  });

  it('reads LOG_FORMAT pretty, json or auto', () => {
    expect(parseCommonSettings({ LOG_FORMAT: 'JSON' }).LOG_FORMAT).toBe('json');
    expect(parseCommonSettings({ LOG_FORMAT: 'pretty' }).LOG_FORMAT).toBe('pretty');
    expect(() => parseCommonSettings({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT/);
  });

  it('bounds KEY_PREFIX to 64 characters without control characters or braces', () => {
    expect(parseCommonSettings({ KEY_PREFIX: 'a'.repeat(64) }).KEY_PREFIX).toHaveLength(64);
    expect(() => parseCommonSettings({ KEY_PREFIX: 'a'.repeat(65) })).toThrow(/KEY_PREFIX/);
    expect(() => parseCommonSettings({ KEY_PREFIX: '{t}:' })).toThrow(/KEY_PREFIX/);
    expect(() => parseCommonSettings({ KEY_PREFIX: 'a\u0007' })).toThrow(/KEY_PREFIX/);
  });

  it('refuses REDIS_URL with REDIS_CLUSTER_NODES, with a message naming both', () => {
    expect(() => parseCommonSettings({ REDIS_URL: 'redis://a:6379', REDIS_CLUSTER_NODES: 'b:7000' })).toThrow(
      'REDIS_CLUSTER_NODES: set either REDIS_URL (one Redis) or REDIS_CLUSTER_NODES (Redis Cluster), not both',
    );
  });

  it('parses the Redis settings', () => {
    const s = parseCommonSettings({
      REDIS_CLUSTER_NODES: '10.0.0.1:7000, [::1]:7001,h',
      REDIS_PASSWORD: 'pw',
      REDIS_METADATA_TTL: '60',
    });
    expect(s.REDIS_CLUSTER_NODES).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: '::1', port: 7001 },
      { host: 'h', port: 6379 },
    ]);
    expect(s.REDIS_METADATA_TTL).toBe(60);
    expect(parseCommonSettings({ REDIS_URL: ' rediss://:pw@h:1/2 ' }).REDIS_URL).toBe('rediss://:pw@h:1/2');
    for (const REDIS_URL of ['localhost', 'http://h', 'redis://', 'redis://a b'])
      expect(() => parseCommonSettings({ REDIS_URL }), REDIS_URL).toThrow(/REDIS_URL/);
    expect(() => parseCommonSettings({ REDIS_CLUSTER_NODES: ',' })).toThrow(/REDIS_CLUSTER_NODES/);
    expect(() => parseCommonSettings({ REDIS_METADATA_TTL: '0' })).toThrow(/REDIS_METADATA_TTL/);
  });

  it('reads the outbox switch and caps', () => {
    const s = parseCommonSettings({
      OUTBOX_ENABLED: 'false',
      OUTBOX_MAX_LENGTH: '500',
      OUTBOX_MAX_AGE_SECONDS: '60',
    });
    expect([s.OUTBOX_ENABLED, s.OUTBOX_MAX_LENGTH, s.OUTBOX_MAX_AGE_SECONDS]).toEqual([false, 500, 60]);
    expect(parseCommonSettings({ OUTBOX_ENABLED: 'OFF' }).OUTBOX_ENABLED).toBe(false);
    expect(() => parseCommonSettings({ OUTBOX_ENABLED: 'maybe' })).toThrow(/OUTBOX_ENABLED/);
    expect(() => parseCommonSettings({ OUTBOX_MAX_LENGTH: '0' })).toThrow(/OUTBOX_MAX_LENGTH/);
  });

  it('treats blank variables as unset', () => {
    expect(parseCommonSettings({ REDIS_URL: '  ', KEY_PREFIX: '', LOG_LEVEL: '\t' })).toEqual(
      parseCommonSettings({}),
    );
  });

  it('hostile values: either a SettingsError naming a variable, or settings within their bounds', () => {
    fc.assert(
      fc.property(commonEnvArbitrary, (env) => {
        let s: ReturnType<typeof parseCommonSettings>;
        try {
          s = parseCommonSettings(env);
        } catch (error) {
          expect(error).toBeInstanceOf(SettingsError);
          expect(COMMON_SETTING_NAMES.some((n) => (error as Error).message.includes(n))).toBe(true);
          return;
        }
        expect(s.KEY_PREFIX.length).toBeLessThanOrEqual(SETTING_BOUNDS.keyPrefixMaxLength);
        expect(s.REDIS_METADATA_TTL).toBeGreaterThanOrEqual(1);
        expect(s.REDIS_METADATA_TTL).toBeLessThanOrEqual(SETTING_BOUNDS.maxTtlSeconds);
        expect(s.OUTBOX_MAX_LENGTH).toBeLessThanOrEqual(SETTING_BOUNDS.maxOutboxLength);
        expect(s.REDIS_URL === undefined || s.REDIS_CLUSTER_NODES === undefined).toBe(true);
        expect(s.REDIS_CLUSTER_NODES === undefined || s.REDIS_CLUSTER_NODES.length > 0).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });
});
