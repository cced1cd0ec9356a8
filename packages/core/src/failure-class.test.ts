import { describe, expect, it } from 'vitest';
import {
  AuthError,
  CacheError,
  ErrorCode,
  ForbiddenError,
  NotFoundError,
  RateLimitError,
  StorageFullError,
  TimeoutError,
  UnavailableError,
  ValidationError,
} from './errors.js';
import {
  classifyConnectionMessage,
  classifyFailure,
  classifyHttpStatus,
  classifyRedisReply,
  redisReplyPrefix,
} from './failure-class.js';

/** A Redis error reply as ioredis raises it (its class is named ReplyError). */
class ReplyError extends Error {
  override name = 'ReplyError';
}

describe('classifyFailure', () => {
  it('classes cache errors by code, or by their explicit class', () => {
    expect(classifyFailure(new TimeoutError('t'))).toBe('transient');
    expect(classifyFailure(new UnavailableError('u'))).toBe('transient');
    expect(classifyFailure(new RateLimitError('r', 3))).toBe('transient');
    expect(classifyFailure(new StorageFullError('s'))).toBe('transient');
    expect(classifyFailure(new AuthError('a'))).toBe('fatal');
    expect(classifyFailure(new ForbiddenError('f'))).toBe('fatal');
    expect(classifyFailure(new ValidationError('v'))).toBe('permanent');
    expect(classifyFailure(new NotFoundError('n'))).toBe('permanent');
    expect(classifyFailure(new CacheError(ErrorCode.INTERNAL, 'i'))).toBe('permanent');
    expect(classifyFailure(new UnavailableError('creds', { failure: 'fatal' }))).toBe('fatal');
    expect(classifyFailure(new CacheError(ErrorCode.INTERNAL, 'x', { failure: 'transient' }))).toBe(
      'transient',
    );
    const explicit = new UnavailableError('u', { failure: 'permanent' });
    expect(explicit.retriable).toBe(false);
    expect(classifyFailure(explicit)).toBe('permanent');
  });

  it('classes raw failures: socket codes and timeouts transient, Redis replies by prefix, the rest permanent', () => {
    expect(classifyFailure(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(
      'transient',
    );
    expect(classifyFailure(Object.assign(new Error('x'), { name: 'TimeoutError' }))).toBe('transient');
    expect(classifyFailure(new ReplyError('LOADING Redis is loading the dataset in memory'))).toBe(
      'transient',
    );
    expect(classifyFailure(new ReplyError('NOAUTH Authentication required.'))).toBe('fatal');
    expect(
      classifyFailure(
        new ReplyError(
          'ERR user_script:118: Script attempted to access nonexistent global variable script: f_0d1e… too many results to unpack',
        ),
      ),
    ).toBe('permanent');
    expect(classifyFailure(new RangeError('Maximum call stack size exceeded'))).toBe('permanent');
    expect(classifyFailure(new Error('Connection is closed.'))).toBe('transient');
    expect(classifyFailure('a string')).toBe('permanent');
    expect(classifyFailure(null)).toBe('permanent');
  });

  it('classes every Redis error prefix', () => {
    for (const p of ['LOADING', 'TRYAGAIN', 'CLUSTERDOWN', 'MASTERDOWN', 'BUSY', 'READONLY', 'OOM']) {
      expect(classifyRedisReply(`${p} something`), p).toBe('transient');
    }
    for (const p of ['NOAUTH', 'WRONGPASS', 'NOPERM']) expect(classifyRedisReply(`${p} no`), p).toBe('fatal');
    expect(classifyRedisReply('ERR invalid password')).toBe('fatal');
    for (const m of [
      'ERR Error running script',
      'WRONGTYPE Operation against a key',
      'EXECABORT',
      'ERR invalid cursor',
    ]) {
      expect(classifyRedisReply(m), m).toBe('permanent');
    }
    expect(redisReplyPrefix('WRONGTYPE Operation')).toBe('WRONGTYPE');
    expect(redisReplyPrefix('lower case')).toBe('ERR');
    expect(classifyConnectionMessage('None of startup nodes is available')).toBe('transient');
    expect(classifyConnectionMessage('ERR syntax error')).toBeNull();
  });

  it('classes HTTP statuses', () => {
    expect(classifyHttpStatus(401)).toBe('fatal');
    expect(classifyHttpStatus(403)).toBe('fatal');
    for (const s of [408, 429, 502, 503, 504, 507])
      expect(classifyHttpStatus(s), String(s)).toBe('transient');
    for (const s of [400, 404, 405, 409, 413, 422, 500, 501])
      expect(classifyHttpStatus(s), String(s)).toBe('permanent');
  });
});
