/**
 * Issue 14's end-to-end trace: one Kafka message sent with a producer's `traceparent`, ingested by
 * the ingestor (in this process, tracing on), then a read of its device over HTTP through the
 * client's HTTP transport from the API (its built binary, a separate process, tracing on). An OTLP
 * receiver in this process gets the spans of both processes: the ingest spans under the
 * producer's trace, the batch write linked to them, the API's request span under the reader's
 * traceparent, and the message's request_id as the correlation id on each.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { context, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { createCacheClient } from '@org/cache-client';
import { freePort } from '@org/cache-testkit';
import { parseTracingEnv, tracingSettingsOf } from '@org/service-kit';
import { type OtlpReceiver, startOtlpReceiver } from '@org/service-kit/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  createTopic,
  type Servers,
  silentLogger,
  startServers,
  testConfig,
  uniqueName,
  waitFor,
} from '../../test/helpers.js';
import { type Ingestor, startIngestor } from '../app.js';
import { startTracing, type TracingHandle } from './start-tracing.js';

/** The API binary; `TRACE_FLOW_API_BIN` points at another build (e.g. one with the tracing wiring). */
const API_BIN =
  process.env.TRACE_FLOW_API_BIN ?? new URL('../../../api/dist/bin/cache-api.js', import.meta.url).pathname;

const PRODUCER_TRACE = '0af7651916cd43dd8448eb211c80319c';
const PRODUCER_SPAN = 'b7ad6b7169203331';
const REQUEST_ID = '3f1c2a4e-9b7d-4c1e-8f00-14a1b2c3d4e5';
const DEVICE = 'trace-flow-device';

let servers: Servers;
let receiver: OtlpReceiver;
let tracing: TracingHandle | null = null;
let ingestor: Ingestor | undefined;
let api: ChildProcess | undefined;

beforeAll(async () => {
  [servers, receiver] = await Promise.all([startServers(), startOtlpReceiver()]);
  tracing = startTracing(
    tracingSettingsOf(
      parseTracingEnv({ ENABLE_OTEL: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint }),
      'cache-ingestor',
    ),
  );
}, 60_000);

afterAll(async () => {
  api?.kill('SIGTERM');
  await ingestor?.stop();
  await tracing?.shutdown();
  await servers?.stop();
  await receiver?.close();
});

describe('one trace from the producer through the ingestor, and the API read after it', () => {
  test.skipIf(!existsSync(API_BIN))(
    'the receiver gets both processes’ spans, the ingest under the producer’s trace, the correlation id on each',
    async () => {
      const topic = await createTopic(servers.admin, 1);
      const prefix = `${uniqueName('tr')}:`;
      ingestor = await startIngestor(
        testConfig({
          KAFKA_BOOTSTRAP_SERVERS: servers.kafka.brokers.join(','),
          REDIS_URL: servers.redis.url,
          KEY_PREFIX: prefix,
          KAFKA_VALIDATED_DATA_TOPIC: topic,
          KAFKA_ERROR_TOPIC: uniqueName('errors'),
          KAFKA_CONSUMER_GROUP_ID: uniqueName('g'),
        }),
        { logger: silentLogger },
      );
      await ingestor.started;
      await servers.producer.send({
        topic,
        messages: [
          {
            key: DEVICE,
            value: JSON.stringify({
              device_id: DEVICE,
              request_id: REQUEST_ID,
              timestamp: '2025-06-25T08:57:34.618082',
              values: [21.5],
              labels: ['T_int'],
              display_names: ['Température intérieure'],
              index: 'T',
              metadata: {
                datatype_id: '1b7e3c52-8f3a-4d1e-9c3b-2a5e6f7d8c90',
                datatype_name: 'Temperature',
                datatype_unit: '°C',
                persist: true,
              },
            }),
            headers: { traceparent: `00-${PRODUCER_TRACE}-${PRODUCER_SPAN}-01` },
          },
        ],
      });

      // the ingest: a CONSUMER span (OTLP kind 5) under the producer's span, then the batch write linked to it
      const message = await receiver.waitFor((s) => s.service === 'cache-ingestor' && s.kind === 5);
      expect(message).toMatchObject({
        traceId: PRODUCER_TRACE,
        parentSpanId: PRODUCER_SPAN,
        name: `${topic} process`,
        attributes: {
          correlation_id: REQUEST_ID,
          'messaging.system': 'kafka',
          'messaging.destination.name': topic,
          'messaging.kafka.offset': 0,
        },
      });
      const write = await receiver.waitFor(
        (s) => s.service === 'cache-ingestor' && s.name === 'cache upsertReadings',
      );
      expect(write.links).toContainEqual({ traceId: PRODUCER_TRACE, spanId: message.spanId });

      // the read: the API binary with tracing on, called through the client's HTTP transport
      // inside the producer's trace (the client sends traceparent)
      const port = await freePort();
      api = spawn(process.execPath, [API_BIN], {
        env: {
          PATH: process.env.PATH ?? '',
          API_HOST: '127.0.0.1',
          API_PORT: String(port),
          REDIS_URL: servers.redis.url,
          KEY_PREFIX: prefix,
          LOG_LEVEL: 'warn',
          ENABLE_OTEL: 'true',
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        },
        stdio: 'ignore',
      });
      const url = `http://127.0.0.1:${port}`;
      await waitFor(
        async () => (await fetch(`${url}/health/live`)).status === 200,
        15_000,
        'the API answers',
      );
      const reader = createCacheClient({
        transport: 'http',
        baseUrl: url,
        retries: 0,
        headers: { 'x-correlation-id': REQUEST_ID },
      });
      const producerSpan = trace.wrapSpanContext({
        traceId: PRODUCER_TRACE,
        spanId: PRODUCER_SPAN,
        traceFlags: TraceFlags.SAMPLED,
        isRemote: true,
      });
      const metadata = await context.with(trace.setSpan(ROOT_CONTEXT, producerSpan), () =>
        reader.getDeviceMetadata(DEVICE),
      );
      await reader.close();
      expect(metadata?.datatype_name).toBe('Temperature');
      const served = await receiver.waitFor(
        (s) => s.service === 'cache-api' && s.kind === 2 && s.traceId === PRODUCER_TRACE,
        20_000,
      );
      expect(served).toMatchObject({
        traceId: PRODUCER_TRACE,
        parentSpanId: PRODUCER_SPAN,
        name: 'GET /api/devices/:device_id',
        attributes: { correlation_id: REQUEST_ID },
      });
      const redis = await receiver.waitFor(
        (s) => s.service === 'cache-api' && s.parentSpanId === served.spanId,
      );
      expect(redis.attributes).toMatchObject({ 'db.system.name': 'redis', correlation_id: REQUEST_ID });
    },
    60_000,
  );
});
