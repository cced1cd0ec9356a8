import { type CacheClient, createCacheClient } from '@org/cache-client';
import type { Hono } from 'hono';
import pino from 'pino';
import { type CreateAppOptions, createApp } from '../app.js';
import { demoReadings } from '../demo-data.js';
import type { AppEnv } from '../http/context.js';

// biome-ignore lint/suspicious/noExplicitAny: answer bodies in tests are checked with expect()
type AnyJson = any;

/** A Response whose `json()` can be inspected freely in assertions. */
export interface TestResponse extends Omit<Response, 'json'> {
  json(): Promise<AnyJson>;
}

export interface TestApp {
  app: Hono<AppEnv>;
  client: CacheClient;
  /** `app.request` with JSON helpers. */
  call(method: string, path: string, options?: CallOptions): Promise<TestResponse>;
}

export interface CallOptions {
  body?: unknown;
  /** Sent as is (for malformed bodies). */
  rawBody?: string;
  tenant?: string;
  token?: string;
  headers?: Record<string, string>;
}

export function requestInit(method: string, options: CallOptions = {}): RequestInit {
  const headers: Record<string, string> = { ...options.headers };
  if (options.tenant !== undefined) headers['x-tenant-id'] = options.tenant;
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  return { method, headers, body };
}

/** The app over a fresh memory store (rate limiting off unless asked), for `app.request()` tests. */
export function memoryApp(
  options: Partial<CreateAppOptions> = {},
  seed = false,
): TestApp & { ready: Promise<void> } {
  const client = options.client ?? createCacheClient({ transport: 'memory' });
  const app = createApp({
    limits: { rateLimit: null },
    logger: pino({ level: 'silent' }),
    ...options,
    client,
  });
  const ready = seed ? client.upsertReadings(demoReadings()).then(() => undefined) : Promise.resolve();
  return {
    app,
    client,
    ready,
    call: async (method, path, o) => {
      await ready;
      return (await app.request(path, requestInit(method, o))) as TestResponse;
    },
  };
}

/** The body of an error answer. */
export async function errorOf(
  response: TestResponse | Response,
): Promise<{ code: string; message: string; details: Record<string, unknown> }> {
  const body = (await (response as Response).json()) as {
    error: { code: string; message: string; details: Record<string, unknown> };
  };
  return body.error;
}
