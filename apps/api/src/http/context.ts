import type { IncomingMessage } from 'node:http';
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
}

/** Set by @hono/node-server; absent under `app.request()`. */
export interface AppBindings {
  incoming?: IncomingMessage;
}

export type AppEnv = { Variables: AppVariables; Bindings: AppBindings };

/** The peer address of the connection, or `unknown` (no proxy header is trusted). */
export function remoteAddress(env: AppBindings | undefined): string {
  return env?.incoming?.socket?.remoteAddress ?? 'unknown';
}
