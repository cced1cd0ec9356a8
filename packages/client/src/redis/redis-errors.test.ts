import { classifyFailure } from '@org/cache-core';
import { ReplyError } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { mapRedisError } from './redis-errors.js';

const reply = (message: string) => new ReplyError(message);

describe('mapRedisError', () => {
  it('makes a script error permanent, naming only the operation', () => {
    const raw = reply(
      'ERR user_script:74: Script attempted to access nonexistent global variable script: 3c1f0e2a9b8d7c6e5f4a3b2c1d0e9f8a7b6c5d4e, on @user_script:74.',
    );
    const error = mapRedisError(raw, 'upsertReadings');
    expect(error).toMatchObject({
      code: 'CACHE_010',
      retriable: false,
      details: { operation: 'upsertReadings' },
    });
    expect(error.message).toBe('Redis refused upsertReadings');
    expect(error.cause).toBe(raw);
    expect(classifyFailure(error)).toBe('permanent');
    expect(classifyFailure(mapRedisError(reply('WRONGTYPE Operation against a key'), 'get'))).toBe(
      'permanent',
    );
  });

  it('makes LOADING, TRYAGAIN, CLUSTERDOWN, MASTERDOWN and BUSY transient, OOM storage full', () => {
    for (const m of [
      'LOADING loading',
      'TRYAGAIN multi',
      'CLUSTERDOWN down',
      'MASTERDOWN link',
      'BUSY script',
    ]) {
      const error = mapRedisError(reply(m), 'op');
      expect(error, m).toMatchObject({ code: 'CACHE_006', retriable: true });
      expect(classifyFailure(error)).toBe('transient');
    }
    const oom = mapRedisError(reply("OOM command not allowed when used memory > 'maxmemory'."), 'set');
    expect(oom).toMatchObject({ code: 'CACHE_003' });
    expect(classifyFailure(oom)).toBe('transient');
  });

  it('makes refused credentials fatal', () => {
    for (const m of [
      'NOAUTH Authentication required.',
      'WRONGPASS invalid username-password pair',
      'NOPERM no',
    ]) {
      const error = mapRedisError(reply(m), 'op');
      expect(error.retriable).toBe(false);
      expect(classifyFailure(error), m).toBe('fatal');
      expect(error.message).not.toContain(m);
    }
  });

  it('makes connection failures transient and anything else permanent without its text', () => {
    expect(classifyFailure(mapRedisError(new Error('Connection is closed.'), 'op'))).toBe('transient');
    expect(mapRedisError(new Error('Command timed out'), 'op')).toMatchObject({ code: 'CACHE_005' });
    const bug = mapRedisError(new RangeError('Maximum call stack size exceeded'), 'upsertReadings');
    expect(bug.message).toBe('the cache failed on upsertReadings');
    expect(classifyFailure(bug)).toBe('permanent');
  });
});
