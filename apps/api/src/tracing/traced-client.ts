import { context, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { CacheClient } from '@org/cache-client';
import { CORRELATION_ATTRIBUTE, correlationIdOf, tracing } from './state.js';

/** Client calls that are not one backend round trip (or not a call at all): not wrapped. */
const UNTRACED = new Set<PropertyKey>(['watch', 'close', 'forTenant', 'constructor']);

/**
 * The client with one CLIENT span per call (`redis getDeviceMetadata`, …) under the active span:
 * `db.system.name` (`redis` on Redis and Cluster, else the transport's kind), `db.operation.name`
 * (the client method: a call is one pipelined round of commands or one Lua script, so a span per
 * call shows what the request waited on without a span per command), and the request's
 * correlation id. Failures set the span's status and the error's type, never its message (it can
 * hold a key).
 *
 * Why not an ioredis instrumentation: it would add a dependency, a span per command (thousands for
 * a batch) and patch a module every other Redis user of the process shares. Calls the routes make
 * on `client.transport` directly are not wrapped: the transport object stays the same (its
 * resilience, codec and policy are looked up by identity).
 *
 * A proxy: methods are called on the real client (its private fields work), `forTenant` returns a
 * traced client too. Use only while tracing is on (`createApp` does).
 */
export function traceClient(client: CacheClient): CacheClient {
  const kind = client.transport.kind;
  const system = kind === 'redis' || kind === 'redis-cluster' ? 'redis' : kind;
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      let fn = wrapped.get(property);
      if (fn !== undefined) return fn;
      if (property === 'forTenant') {
        fn = (tenant: string) => traceClient(value.call(target, tenant) as CacheClient);
      } else if (UNTRACED.has(property) || typeof property !== 'string') {
        fn = value.bind(target);
      } else {
        const operation = property;
        const name = `${system} ${operation}`;
        fn = (...args: unknown[]) => {
          if (!tracing.on) return value.apply(target, args);
          const active = context.active();
          const span = tracing.tracer.startSpan(
            name,
            {
              kind: SpanKind.CLIENT,
              attributes: {
                'db.system.name': system,
                'db.operation.name': operation,
                'cache.backend': kind,
              },
            },
            active,
          );
          const correlationId = correlationIdOf(active);
          if (correlationId !== undefined) span.setAttribute(CORRELATION_ATTRIBUTE, correlationId);
          let result: unknown;
          try {
            result = value.apply(target, args);
          } catch (error) {
            fail(span, error);
            span.end();
            throw error;
          }
          if (result instanceof Promise) {
            return result.then(
              (answer) => {
                span.end();
                return answer;
              },
              (error: unknown) => {
                fail(span, error);
                span.end();
                throw error;
              },
            );
          }
          span.end();
          return result;
        };
      }
      wrapped.set(property, fn);
      void receiver;
      return fn;
    },
  });
}

function fail(
  span: { setStatus: (s: { code: SpanStatusCode }) => void; setAttribute: (k: string, v: string) => void },
  error: unknown,
): void {
  span.setStatus({ code: SpanStatusCode.ERROR });
  const code = (error as { code?: unknown } | null)?.code;
  span.setAttribute('error.type', typeof code === 'string' ? code : ((error as Error)?.name ?? 'Error'));
}
