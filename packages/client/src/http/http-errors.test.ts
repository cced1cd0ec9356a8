import { classifyFailure } from '@org/cache-core';
import { describe, expect, it } from 'vitest';
import { errorFromEnvelope, errorFromFetchFailure } from './http-errors.js';

const envelope = (code: string, message = 'm') => ({ error: { code, message, details: { x: 1 } } });

describe('API answers as typed, classified errors', () => {
  it('classes by status: 401/403 fatal; 429, 502, 503, 504 transient with Retry-After; other 4xx permanent', () => {
    expect(classifyFailure(errorFromEnvelope(401, envelope('AUTH_001'), null, 'op'))).toBe('fatal');
    expect(classifyFailure(errorFromEnvelope(403, null, null, 'op'))).toBe('fatal');
    for (const status of [429, 502, 503, 504]) {
      const error = errorFromEnvelope(status, null, 7, 'op');
      expect(classifyFailure(error), String(status)).toBe('transient');
      expect(error.retriable).toBe(true);
      expect(error.retryAfterSeconds).toBe(7);
    }
    const limited = errorFromEnvelope(429, envelope('CACHE_009'), 3, 'op');
    expect(limited).toMatchObject({ code: 'CACHE_009', retryAfterSeconds: 3 });
    for (const status of [400, 404, 409, 413, 422]) {
      expect(classifyFailure(errorFromEnvelope(status, null, null, 'op')), String(status)).toBe('permanent');
    }
    // the envelope's code names the class of error; the status decides the failure class
    const unavailable = errorFromEnvelope(503, envelope('CACHE_010', 'boom'), null, 'op');
    expect(classifyFailure(unavailable)).toBe('transient');
    expect(classifyFailure(errorFromEnvelope(500, envelope('CACHE_010'), null, 'op'))).toBe('permanent');
    expect(errorFromEnvelope(400, envelope('CACHE_007', 'bad'), null, 'op')).toMatchObject({
      code: 'CACHE_007',
      message: 'bad',
      details: { x: 1 },
    });
  });

  it('keeps fetch internals out of the message', () => {
    const refused = errorFromFetchFailure(
      Object.assign(new TypeError('fetch failed'), {
        cause: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 10.1.2.3:8080 secret-host' },
      }),
      'getReadings',
      1000,
    );
    expect(refused.message).toBe('the API is unreachable (getReadings: ECONNREFUSED)');
    expect(classifyFailure(refused)).toBe('transient');
    const timeout = errorFromFetchFailure(Object.assign(new Error('t'), { name: 'TimeoutError' }), 'op', 50);
    expect(timeout).toMatchObject({ code: 'CACHE_005' });
    expect(classifyFailure(timeout)).toBe('transient');
  });
});
