import { Writable } from 'node:stream';
import { createCacheClient } from '@org/cache-client';
import { parseTracingEnv, tracingEnvShape, tracingSettingsOf } from '@org/service-kit';
import { type OtlpReceiver, startOtlpReceiver } from '@org/service-kit/testing';
import fc from 'fast-check';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoReadings } from '../demo-data.js';
import { errorOf } from '../test/fixtures.js';
import { type ServedApp, serveApp } from '../test/serve.js';
import { startTracing, type TracingHandle } from './start-tracing.js';
import { tracing } from './state.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_ID}-01`;

let receiver: OtlpReceiver;
let handle: TracingHandle | null;
let served: ServedApp;
const lines: Record<string, unknown>[] = [];

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  const settings = tracingSettingsOf(
    parseTracingEnv({ ENABLE_OTEL: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint }),
    'cache-api',
  );
  handle = startTracing(settings, { version: 'test' });
  const client = createCacheClient({ transport: 'memory' });
  await client.upsertReadings(demoReadings());
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    }),
  );
  // createApp wraps the client in spans itself: tracing is on
  served = await serveApp({ client, logger, limits: { rateLimit: null } });
});
afterAll(async () => {
  await served?.stop();
  await handle?.shutdown();
  await receiver?.close();
});

describe('request tracing (OTLP over HTTP to a receiver in the test)', () => {
  it('exports a route-named server span under the caller’s traceparent, with the correlation id, and a client span under it', async () => {
    expect(tracing.on).toBe(true);
    const device = encodeURIComponent(demoReadings()[0]!.device_id);
    const answer = await fetch(`${served.url}/api/devices/${device}`, {
      headers: { traceparent: TRACEPARENT, 'x-correlation-id': 'corr-read-1' },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-correlation-id')).toBe('corr-read-1');
    await handle!.flush();
    const server = await receiver.waitFor(
      (s) => s.attributes.correlation_id === 'corr-read-1' && s.kind === 2,
    );
    expect(server).toMatchObject({
      service: 'cache-api',
      name: 'GET /api/devices/:device_id',
      traceId: TRACE_ID,
      parentSpanId: PARENT_ID,
      attributes: { 'http.route': '/api/devices/:device_id', 'http.response.status_code': 200 },
    });
    const call = await receiver.waitFor((s) => s.parentSpanId === server.spanId);
    expect(call).toMatchObject({
      name: 'memory getDeviceMetadataMany',
      traceId: TRACE_ID,
      attributes: { 'db.operation.name': 'getDeviceMetadataMany', correlation_id: 'corr-read-1' },
    });
    const log = lines.find((l) => l.msg === 'request' && l.correlation_id === 'corr-read-1');
    expect(log?.request_id).toBe(server.attributes.request_id);
  });

  it('carries the same correlation id in an error answer, its log line and its span', async () => {
    const answer = await fetch(`${served.url}/api/devices/no-such-device`, {
      headers: { 'x-correlation-id': 'corr-miss-2' },
    });
    expect(answer.status).toBe(404);
    expect((await errorOf(answer)).details.correlation_id).toBe('corr-miss-2');
    await handle!.flush();
    const span = await receiver.waitFor((s) => s.attributes.correlation_id === 'corr-miss-2' && s.kind === 2);
    expect(span.attributes['http.response.status_code']).toBe(404);
    // no traceparent: a root span of a new trace
    expect(span.parentSpanId).toBe('');
    expect(lines.some((l) => l.msg === 'request' && l.correlation_id === 'corr-miss-2')).toBe(true);
  });
});

describe('tracing settings', () => {
  it('is off unless ENABLE_OTEL=true, and off again with OTEL_SDK_DISABLED or OTEL_TRACES_EXPORTER=none', () => {
    const of = (env: Record<string, string>) => tracingSettingsOf(parseTracingEnv(env), 'cache-api');
    expect(of({}).enabled).toBe(false);
    expect(of({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).enabled).toBe(false);
    expect(of({ ENABLE_OTEL: 'true' })).toMatchObject({
      enabled: true,
      url: 'http://localhost:4318/v1/traces',
      serviceName: 'cache-api',
    });
    expect(of({ ENABLE_OTEL: 'true', OTEL_SDK_DISABLED: 'true' }).enabled).toBe(false);
    expect(of({ ENABLE_OTEL: 'true', OTEL_TRACES_EXPORTER: 'none' }).enabled).toBe(false);
    expect(
      of({
        ENABLE_OTEL: 'true',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/',
        OTEL_EXPORTER_OTLP_HEADERS: 'api-key=a%20b, X-Tenant=t1',
        OTEL_SERVICE_NAME: 'api-eu',
      }),
    ).toMatchObject({
      url: 'http://c:4318/v1/traces',
      headers: { 'api-key': 'a b', 'x-tenant': 't1' },
      serviceName: 'api-eu',
    });
    expect(() => of({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(/http\/json/);
    expect(() => of({ OTEL_EXPORTER_OTLP_ENDPOINT: 'file:///etc/passwd' })).toThrow();
    expect(() => of({ OTEL_EXPORTER_OTLP_HEADERS: 'a=b\u0001' })).toThrow();
  });

  it('parses any hostile value of every variable into settings or a refusal, never a throw of another kind', () => {
    const keys = Object.keys(tracingEnvShape);
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom(...keys),
          fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 }), fc.webUrl()),
        ),
        (env) => {
          try {
            const s = tracingSettingsOf(parseTracingEnv(env), 'cache-api');
            expect(s.url).toMatch(/^https?:\/\//i);
            expect(s.ratio).toBeGreaterThanOrEqual(0);
            expect(s.ratio).toBeLessThanOrEqual(1);
            for (const v of Object.values(s.headers)) expect(v).not.toMatch(/[\u0000-\u001f\u007f]/);
          } catch (error) {
            expect((error as Error).name).toBe('ZodError');
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
