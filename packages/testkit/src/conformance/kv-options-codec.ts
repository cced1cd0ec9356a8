import { randomBytes } from 'node:crypto';
import type { CacheClient } from '@org/cache-client';
import { installValueCodec } from '@org/cache-client/value-codec';
import { parseKeyRing } from '@org/cache-core';

/** One key ring for a test run (two keys, the first active). */
export const testKeyRing = parseKeyRing(
  `k2:${randomBytes(32).toString('base64')},k1:${randomBytes(32).toString('hex')}`,
);

/** Installs the codec on a fresh client's transport: with the test key ring when `encryption`. */
export function withCodec(
  client: CacheClient,
  encryption: boolean,
  strongWriteTimeoutMs = 1000,
): CacheClient {
  installValueCodec(client.transport, { keyRing: encryption ? testKeyRing : null, strongWriteTimeoutMs });
  return client;
}
