import {
  type Context,
  context,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { CORRELATION_ATTRIBUTE, tracing } from './state.js';

/** Kafka headers as kafkajs delivers them. */
type Headers = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

/** What the chunk trace reads of a message (kafkajs' `KafkaMessage` has these). */
export interface TracedMessage {
  offset?: string;
  line?: number;
  headers?: Headers;
}

/** Links from one batch-write span to its message spans, at most (the SDK's default link limit). */
export const MAX_LINKS = 128;

const headerGetter = {
  keys: (carrier: Headers) => Object.keys(carrier),
  get: (carrier: Headers, key: string): string | undefined => {
    const value = carrier[key];
    const first = Array.isArray(value) ? value[0] : value;
    return first === undefined ? undefined : typeof first === 'string' ? first : first.toString('latin1');
  },
};

/** The producer's trace context of a message (`traceparent` / `tracestate` headers), else none. */
export function producerContext(headers: Headers | undefined): Context {
  if (headers === undefined || headers.traceparent === undefined) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, headers, headerGetter);
}

/**
 * The spans of one chunk: a CONSUMER span per message (`<topic> process`), child of the producer's
 * `traceparent` when the message carries one, with the messaging attributes and the message's
 * correlation id; and one span for the chunk's batch write (`cache upsertReadings`), linked to the
 * message spans (at most `MAX_LINKS`; the rest are counted in `messaging.batch.message_count`).
 * Made only while `tracing.on` (`traceChunk` answers null otherwise).
 */
export class ChunkTrace {
  readonly #spans: Span[];

  constructor(messages: readonly TracedMessage[], where: { topic?: string; partition?: number }) {
    const name = `${where.topic ?? 'file'} process`;
    this.#spans = messages.map((m) => {
      const attributes: Record<string, string | number> = {
        'messaging.operation.type': 'process',
      };
      if (where.topic !== undefined) {
        attributes['messaging.system'] = 'kafka';
        attributes['messaging.destination.name'] = where.topic;
        attributes['messaging.destination.partition.id'] = String(where.partition ?? 0);
      }
      if (m.offset !== undefined) attributes['messaging.kafka.offset'] = Number(m.offset);
      if (m.line !== undefined) attributes['ingest.line'] = m.line;
      return tracing.tracer.startSpan(
        name,
        { kind: SpanKind.CONSUMER, attributes },
        producerContext(m.headers),
      );
    });
  }

  /** The correlation id of message `i` (its `request_id`, else its origin). */
  correlate(i: number, correlationId: string | null | undefined): void {
    if (correlationId) this.#spans[i]?.setAttribute(CORRELATION_ATTRIBUTE, correlationId);
  }

  /** Message `i` went to the error output with this `error_code`. */
  rejected(i: number, errorCode: string): void {
    const span = this.#spans[i];
    span?.setAttribute('ingest.error_code', errorCode);
    span?.setStatus({ code: SpanStatusCode.ERROR, message: errorCode });
  }

  /** Runs the chunk's batch write inside its span (linked to the message spans). */
  async write<T>(readings: number, run: () => Promise<T>): Promise<T> {
    const links: Link[] = this.#spans.slice(0, MAX_LINKS).map((s) => ({ context: s.spanContext() }));
    const span = tracing.tracer.startSpan('cache upsertReadings', {
      kind: SpanKind.CLIENT,
      links,
      attributes: {
        'db.operation.name': 'upsertReadings',
        'messaging.batch.message_count': this.#spans.length,
        'ingest.readings': readings,
      },
    });
    try {
      return await context.with(trace.setSpan(ROOT_CONTEXT, span), run);
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      const code = (error as { code?: unknown } | null)?.code;
      span.setAttribute('error.type', typeof code === 'string' ? code : ((error as Error)?.name ?? 'Error'));
      throw error;
    } finally {
      span.end();
    }
  }

  /** Ends every message span (after the chunk is accounted for, or failed). */
  end(failed?: unknown): void {
    for (const span of this.#spans) {
      if (failed !== undefined) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
  }
}

/** A chunk's trace while tracing is on, else null (the pipeline's only test on its hot path). */
export function traceChunk(
  messages: readonly TracedMessage[],
  where: { topic?: string; partition?: number },
): ChunkTrace | null {
  return tracing.on ? new ChunkTrace(messages, where) : null;
}
