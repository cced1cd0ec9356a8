import type { CacheClient } from '@org/cache-client';

export interface ConformanceClientOptions {
  /** Device TTL in seconds (short ones for expiry tests). */
  ttlSeconds?: number;
  /** false turns the change outbox off. */
  outbox?: boolean;
}

/**
 * Makes a client on an empty cache: every call must return a client that sees no state from
 * earlier calls (a fresh memory store, a unique key prefix, a fresh API…).
 */
export type MakeClient = (options?: ConformanceClientOptions) => Promise<CacheClient>;

/** Runs `body` with a fresh client and closes it afterwards. */
export async function withClient<T>(
  make: MakeClient,
  options: ConformanceClientOptions | undefined,
  body: (client: CacheClient) => Promise<T>,
): Promise<T> {
  const client = await make(options);
  try {
    return await body(client);
  } finally {
    await client.close();
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
