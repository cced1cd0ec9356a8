import { CacheError, ErrorCode, TimeoutError, UnavailableError } from '@org/cache-core';
import { Hono } from 'hono';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ApiMetrics } from '../metrics.js';
import type { AppEnv } from './context.js';
import { errorHandler, toCacheError } from './errors.js';
import { observe } from './observe.js';

/** An app whose one route throws `error`, with the API's error handler. */
function throwing(error: unknown) {
  const app = new Hono<AppEnv>();
  const logger = pino({ level: 'silent' });
  const metrics = new ApiMetrics();
  app.onError(errorHandler(logger, metrics));
  app.use('*', observe(logger, metrics));
  app.get('/x', () => {
    throw error;
  });
  return { app, metrics };
}

describe('error answers', () => {
  it('maps a stack overflow to 400 CACHE_007 and anything unknown to CACHE_010', async () => {
    expect(toCacheError(new RangeError('Maximum call stack size exceeded')).code).toBe(
      ErrorCode.INVALID_INPUT,
    );
    const r = await throwing(new RangeError('Maximum call stack size exceeded')).app.request('/x');
    expect(r.status).toBe(400);
    expect(toCacheError(new Error('boom')).code).toBe(ErrorCode.INTERNAL);
  });

  it('never answers the message or extra details of a backend failure, and counts it', async () => {
    const failures = [
      new CacheError(ErrorCode.INTERNAL, 'Redis failed on get: ERR user_script:12: f_0123abcd', {
        details: { operation: 'get', script: 'f_0123abcd' },
      }),
      new TimeoutError('Redis did not answer at 10.0.0.7:6379', { details: { host: '10.0.0.7' } }),
      new Error('ECONNRESET 10.0.0.7:6379 at Socket.emit (node:events:1)'),
    ];
    for (const failure of failures) {
      const { app, metrics } = throwing(failure);
      const r = await app.request('/x');
      const text = await r.text();
      expect(text).not.toMatch(/user_script|f_0123abcd|10\.0\.0\.7|Redis|node:events/);
      const error = JSON.parse(text).error;
      expect(error.message).toBe(
        error.code === ErrorCode.TIMEOUT ? 'the backend did not answer in time' : 'internal error',
      );
      expect(error.details.request_id).toBe(r.headers.get('x-request-id'));
      expect(await metrics.registry.metrics()).toContain(
        `cache_api_backend_errors_total{code="${error.code}"`,
      );
    }
  });

  it('closes the connection after a 413', async () => {
    const r = await throwing(new CacheError(ErrorCode.TOO_LARGE, 'too large')).app.request('/x');
    expect(r.status).toBe(413);
    expect(r.headers.get('connection')).toBe('close');
  });
});

describe('unavailable answers', () => {
  it('answer 503 CACHE_006 with Retry-After (the error’s, at least 1 s) and the reason; refused credentials get none', async () => {
    const cases = [
      {
        error: new UnavailableError('open', { retryAfterSeconds: 3, details: { reason: 'circuit_open' } }),
        retry: '3',
      },
      {
        error: new UnavailableError('down', {
          retryAfterSeconds: 0.2,
          details: { reason: 'connection_down' },
        }),
        retry: '1',
      },
      { error: new UnavailableError('Redis is unavailable (get)'), retry: '1' },
      { error: new UnavailableError('NOAUTH', { failure: 'fatal' }), retry: null },
    ];
    for (const { error, retry } of cases) {
      const r = await throwing(error).app.request('/x');
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toBe(retry);
      const body = (await r.json()) as {
        error: { code: string; message: string; details: { reason?: string } };
      };
      expect(body.error.code).toBe(ErrorCode.UNAVAILABLE);
      expect(body.error.message).toBe('the backend is unavailable');
      expect(body.error.details.reason).toBe(error.details.reason);
    }
  });
});
