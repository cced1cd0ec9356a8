import { randomBytes } from 'node:crypto';
import { createCacheClient } from '@org/cache-client';
import { installValueCodec } from '@org/cache-client/value-codec';
import { parseKeyRing } from '@org/cache-core';
import { kvOptionsSuite, type RedisServer, startRedis } from '@org/cache-testkit';
import { afterAll, beforeAll, describe } from 'vitest';
import { httpClientOwning, serveApp } from '../test/serve.js';

let redis: RedisServer;
let n = 0;
const keyRing = parseKeyRing(`k2:${randomBytes(32).toString('base64')}`);

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

/** The options travel over HTTP; the API's own client (with the codec) applies them. */
describe('http over redis', () =>
  kvOptionsSuite(async ({ encryption }) => {
    const backend = createCacheClient({
      transport: 'redis',
      url: redis.url,
      keyPrefix: `api-opt-${process.pid}-${n++}:`,
    });
    installValueCodec(backend.transport, { keyRing: encryption ? keyRing : null });
    return httpClientOwning(await serveApp({ client: backend, limits: { rateLimit: null } }));
  }));

describe('http over memory', () =>
  kvOptionsSuite(async ({ encryption }) => {
    const backend = createCacheClient({ transport: 'memory' });
    installValueCodec(backend.transport, { keyRing: encryption ? keyRing : null });
    return httpClientOwning(await serveApp({ client: backend, limits: { rateLimit: null } }));
  }));
