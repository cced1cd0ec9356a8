import { type Call, HttpRequester, type RequesterOptions } from './http-requester.js';

/** The requester plus the small helpers both halves of the transport use. */
export class HttpCalls {
  readonly http: HttpRequester;
  /** Largest id or key list per request (the API's API_MAX_BATCH). */
  readonly batchSize: number;

  constructor(options: RequesterOptions, batchSize: number) {
    this.http = new HttpRequester(options);
    this.batchSize = batchSize;
  }

  async send<T>(call: Call): Promise<T> {
    return (await this.http.send<T>(call)).body as T;
  }

  /** The answer, or null for the API's 404 CACHE_001 (a miss). */
  async maybe<T>(call: Omit<Call, 'nullOn404'>): Promise<T | null> {
    return (await this.http.send<T>({ ...call, nullOn404: true })).body;
  }
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
