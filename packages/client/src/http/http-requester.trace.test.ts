import { AsyncLocalStorage } from 'node:async_hooks';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type Context,
  type ContextManager,
  context,
  propagation,
  ROOT_CONTEXT,
  type TextMapPropagator,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpRequester } from './http-requester.js';

/** A W3C trace-context writer, as an application's SDK registers one (the client has no SDK). */
const w3c: TextMapPropagator = {
  inject(ctx, carrier, setter) {
    const span = trace.getSpanContext(ctx);
    if (span) setter.set(carrier, 'traceparent', `00-${span.traceId}-${span.spanId}-0${span.traceFlags & 1}`);
  },
  extract: (ctx) => ctx,
  fields: () => ['traceparent'],
};

/** The smallest AsyncLocalStorage context manager (what @opentelemetry/context-async-hooks does). */
class AlsContextManager implements ContextManager {
  readonly #als = new AsyncLocalStorage<Context>();
  active = () => this.#als.getStore() ?? ROOT_CONTEXT;
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.#als.run(ctx, () => fn.apply(thisArg, args));
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable = () => this;
  disable = () => this;
}

const seen: IncomingHttpHeaders[] = [];
const server = createServer((req, res) => {
  seen.push(req.headers);
  res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
});
let requester: HttpRequester;

beforeAll(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  requester = new HttpRequester({
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    retries: 0,
  });
});
afterAll(async () => {
  await requester.close();
  server.close();
  propagation.disable();
  context.disable();
});

const call = { method: 'GET', path: '/x', operation: 'get', idempotent: true } as const;

describe('HttpRequester and trace context', () => {
  it('sends no traceparent while the application registered no propagator', async () => {
    await requester.send(call);
    expect(seen.at(-1)?.traceparent).toBeUndefined();
  });

  it('sends the active span’s traceparent once the application registered a propagator', async () => {
    context.setGlobalContextManager(new AlsContextManager());
    propagation.setGlobalPropagator(w3c);
    const span = trace.wrapSpanContext({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
    });
    await context.with(trace.setSpan(ROOT_CONTEXT, span), () => requester.send(call));
    expect(seen.at(-1)?.traceparent).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    // outside the span: nothing to propagate
    await requester.send(call);
    expect(seen.at(-1)?.traceparent).toBeUndefined();
  });
});
