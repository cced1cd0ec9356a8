import { randomBytes } from 'node:crypto';
import { type CacheClient, parseKeyRing } from '@org/cache-client';
// Until @org/cache-client exports installValueCodec (its index is curated elsewhere), the suite's
// runners take it from the client's source; the transports and registries are the built ones.
import { installValueCodec } from '../../../client/src/value-codec/index.js';

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
