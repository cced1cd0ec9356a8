import { context, propagation } from '@opentelemetry/api';
import type { Agent } from 'undici';
import { createHttpPool, type HttpPoolOptions } from '../resilience/http-pool.js';
import { errorFromEnvelope, errorFromFetchFailure, retryAfterSeconds } from './http-errors.js';

export interface RequesterOptions {
  baseUrl: string;
  token?: string;
  /** Per attempt (default 10 s). */
  timeoutMs?: number;
  /** Extra attempts of idempotent calls after a network failure, 429, 502, 503 or 504 (default 2). */
  retries?: number;
  /** Backoff: `min(maxDelay, baseDelay * 2^attempt)`, full jitter (defaults 50 ms and 2 s). */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /** Sent with every request (e.g. a correlation id). */
  headers?: Record<string, string>;
  /** The connection pool (`min_size` 5, `max_size` 50, `idle_timeout` 300 s); see http-pool.ts. */
  pool?: HttpPoolOptions;
}

export interface Call {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path and query, already encoded. */
  path: string;
  operation: string;
  body?: string;
  tenant?: string;
  /** Safe to send again: retried on transient failures. */
  idempotent: boolean;
  /** A 404 with the API's CACHE_001 envelope for this operation answers `null` instead of throwing. */
  nullOn404?: boolean;
  /** Non-2xx statuses whose JSON body is an answer, not an error (e.g. 503 of /health). */
  answerStatuses?: readonly number[];
}

export interface Answer<T> {
  status: number;
  body: T;
}

const RETRY_STATUSES = new Set([429, 502, 503, 504]);

/** fetch with a timeout per attempt, bounded retries with capped exponential backoff, typed errors. */
export class HttpRequester {
  readonly baseUrl: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #baseDelay: number;
  readonly #maxDelay: number;
  /** The pool's undici Agent, passed to fetch as its dispatcher (an undici extension of RequestInit). */
  readonly #pool: Agent;

  constructor(options: RequesterOptions) {
    this.#pool = createHttpPool(options.pool);
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#headers = { accept: 'application/json', ...options.headers };
    if (options.token) this.#headers.authorization = `Bearer ${options.token}`;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#retries = Math.max(0, options.retries ?? 2);
    this.#baseDelay = options.retryBaseDelayMs ?? 50;
    this.#maxDelay = options.retryMaxDelayMs ?? 2_000;
  }

  /** Sends the call; resolves with the parsed JSON body (null for a tolerated 404), or throws a typed error. */
  async send<T>(call: Call): Promise<Answer<T | null>> {
    const headers: Record<string, string> = { ...this.#headers };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    if (call.tenant !== undefined) headers['x-tenant-id'] = call.tenant;
    // W3C `traceparent` (and `tracestate`) of the caller's active span: a no-op unless the
    // application registered an OpenTelemetry SDK and propagator.
    propagation.inject(context.active(), headers);
    const url = this.baseUrl + call.path;
    for (let attempt = 0; ; attempt++) {
      const canRetry = call.idempotent && attempt < this.#retries;
      let response: Response;
      try {
        response = await fetch(url, {
          method: call.method,
          headers,
          body: call.body,
          signal: AbortSignal.timeout(this.#timeoutMs),
          dispatcher: this.#pool,
        } as RequestInit);
      } catch (error) {
        if (canRetry) {
          await this.#pause(attempt, null);
          continue;
        }
        throw errorFromFetchFailure(error, call.operation, this.#timeoutMs);
      }
      if (response.ok || call.answerStatuses?.includes(response.status)) {
        try {
          return { status: response.status, body: (await response.json()) as T };
        } catch (error) {
          throw errorFromFetchFailure(error, call.operation, this.#timeoutMs);
        }
      }
      const body = await readJson(response);
      const retryAfter = retryAfterSeconds(response.headers.get('retry-after'));
      // A miss, as opposed to a wrong URL: the API's CACHE_001 answer of an operation.
      if (call.nullOn404 && response.status === 404 && isMiss(body)) return { status: 404, body: null };
      if (canRetry && RETRY_STATUSES.has(response.status)) {
        if (retryAfter === null || retryAfter * 1000 <= this.#maxDelay) {
          await this.#pause(attempt, retryAfter);
          continue;
        }
      }
      throw errorFromEnvelope(response.status, body, retryAfter, call.operation);
    }
  }

  /**
   * Opens a streaming GET (server-sent events): no timeout once the answer has started, the
   * caller's signal ends it. A non-2xx answer is thrown as a typed error.
   */
  async openStream(
    path: string,
    operation: string,
    tenant: string | undefined,
    headers: Record<string, string>,
    signal: AbortSignal,
  ): Promise<Response> {
    const all: Record<string, string> = { ...this.#headers, accept: 'text/event-stream', ...headers };
    if (tenant !== undefined) all['x-tenant-id'] = tenant;
    propagation.inject(context.active(), all);
    let response: Response;
    try {
      response = await fetch(this.baseUrl + path, {
        method: 'GET',
        headers: all,
        signal,
        dispatcher: this.#pool,
      } as RequestInit);
    } catch (error) {
      throw errorFromFetchFailure(error, operation, this.#timeoutMs);
    }
    if (response.ok && response.body) return response;
    const body = await readJson(response);
    throw errorFromEnvelope(
      response.status,
      body,
      retryAfterSeconds(response.headers.get('retry-after')),
      operation,
    );
  }

  /** Closes the pool's connections (in-flight requests finish first). */
  close(): Promise<void> {
    return this.#pool.close();
  }

  #pause(attempt: number, retryAfter: number | null): Promise<void> {
    const ceiling = Math.min(this.#maxDelay, this.#baseDelay * 2 ** attempt);
    const ms = retryAfter !== null ? retryAfter * 1000 : Math.random() * ceiling;
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

function isMiss(body: unknown): boolean {
  const error = (body as { error?: { code?: unknown; details?: { operation?: unknown } } } | null)?.error;
  return error?.code === 'CACHE_001' && typeof error.details?.operation === 'string';
}
