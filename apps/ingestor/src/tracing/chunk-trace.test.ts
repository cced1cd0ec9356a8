import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { parseTracingEnv, tracingSettingsOf } from '@org/service-kit';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_LINKS, producerContext, traceChunk } from './chunk-trace.js';
import { startTracing, type TracingHandle } from './start-tracing.js';

const exporter = new InMemorySpanExporter();
let handle: TracingHandle | null;

beforeAll(() => {
  handle = startTracing(tracingSettingsOf(parseTracingEnv({ ENABLE_OTEL: 'true' }), 'cache-ingestor'), {
    exporter,
  });
});
afterAll(async () => {
  await handle?.shutdown();
});

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('ChunkTrace', () => {
  it('makes a span per message under its traceparent, and a batch-write span linked to at most MAX_LINKS of them', async () => {
    const messages = Array.from({ length: MAX_LINKS + 5 }, (_, i) => ({
      offset: String(i),
      headers: i === 0 ? { traceparent: Buffer.from(TRACEPARENT) } : {},
    }));
    const chunk = traceChunk(messages, { topic: 't', partition: 2 })!;
    chunk.correlate(0, 'req-0');
    chunk.rejected(1, 'schema');
    expect(await chunk.write(messages.length, async () => 'written')).toBe('written');
    chunk.end();
    await handle!.flush();
    const spans = exporter.getFinishedSpans();
    const first = spans.find((s) => s.attributes['messaging.kafka.offset'] === 0)!;
    expect(first.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(first.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(first.attributes).toMatchObject({
      correlation_id: 'req-0',
      'messaging.destination.name': 't',
      'messaging.destination.partition.id': '2',
    });
    expect(
      spans.find((s) => s.attributes['messaging.kafka.offset'] === 1)!.attributes['ingest.error_code'],
    ).toBe('schema');
    const write = spans.find((s) => s.name === 'cache upsertReadings')!;
    expect(write.links).toHaveLength(MAX_LINKS);
    expect(write.attributes['messaging.batch.message_count']).toBe(MAX_LINKS + 5);
    exporter.reset();
  });

  it('takes any header a producer may send without throwing: a bad traceparent is no parent', () => {
    const value = fc.oneof(
      fc.string({ maxLength: 120 }),
      fc.string({ unit: 'binary', maxLength: 120 }),
      fc.uint8Array({ maxLength: 120 }).map((a) => Buffer.from(a)),
      fc.constant(undefined),
    );
    fc.assert(
      fc.property(
        fc.record({ traceparent: fc.oneof(value, fc.array(value, { maxLength: 3 })), tracestate: value }),
        (headers) => {
          const ctx = producerContext(headers as Record<string, Buffer | string | undefined>);
          const parent = trace.getSpanContext(ctx);
          if (parent !== undefined) expect(parent.traceId).toMatch(/^[0-9a-f]{32}$/);
          const chunk = traceChunk([{ offset: '0', headers: headers as Record<string, string> }], {})!;
          chunk.end();
        },
      ),
      { numRuns: 500 },
    );
  });
});
