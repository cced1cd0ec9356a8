import type { Context } from 'hono';
import type { AppEnv } from './context.js';

const JSON_TYPE = { 'content-type': 'application/json' };

/**
 * Builds the answer with plain-object headers (the request's common headers plus these): the
 * cheapest path through @hono/node-server, and one place that adds request ids to every answer.
 */
export function respond(
  c: Context<AppEnv>,
  status: number,
  body: string | Uint8Array<ArrayBuffer> | null,
  headers?: Record<string, string>,
): Response {
  c.set('responded', true);
  // a copy: the request's common headers stay as they are for any later answer (an error after an answer)
  return new Response(body, { status, headers: { ...c.get('headers'), ...headers } });
}

/** A JSON answer. */
export function json(
  c: Context<AppEnv>,
  value: unknown,
  status = 200,
  headers?: Record<string, string>,
): Response {
  return respond(c, status, JSON.stringify(value), headers ? { ...JSON_TYPE, ...headers } : JSON_TYPE);
}
