import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import type { Principal } from '../auth/principal.js';

/** Per-request values shared by middleware and handlers. */
export interface AppVariables {
  requestId: string;
  correlationId: string;
  principal: Principal;
  /** What the handler was doing and on which key or device, for the error envelope. */
  operation: string | undefined;
  subjectKey: string | undefined;
  tenant: string | undefined;
  /** Headers every answer carries (request ids, rate-limit state), added by `respond`. */
  headers: Record<string, string>;
  /** The route pattern for metrics and logs, when one handler serves several (else the matched one). */
  route: string | undefined;
  /** True once `respond` built the answer with `headers` (else `observe` adds them). */
  responded: boolean;
}

/** Set by @hono/node-server; absent under `app.request()`. */
export interface AppBindings {
  incoming?: IncomingMessage;
}

export type AppEnv = { Variables: AppVariables; Bindings: AppBindings };

/**
 * A request header (lower-case name). Read from Node's parsed headers when served by
 * @hono/node-server, which spares building a WHATWG `Headers` object per request.
 */
export function requestHeader(c: Context<AppEnv>, name: string): string | undefined {
  const incoming = c.env?.incoming;
  if (incoming) {
    const value = incoming.headers[name];
    return Array.isArray(value) ? value[0] : value;
  }
  return c.req.header(name);
}

/** The peer address of the connection, or `unknown` (no proxy header is trusted). */
export function remoteAddress(env: AppBindings | undefined): string {
  return env?.incoming?.socket?.remoteAddress ?? 'unknown';
}
