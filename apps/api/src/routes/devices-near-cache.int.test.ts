import { createCacheClient } from '@org/cache-client';
import { makeReading } from '@org/cache-testkit';
import { expect, it } from 'vitest';
import { httpCaller } from '../test/http.js';
import { redisApiHarness } from '../test/redis-api.js';
import { serveApp } from '../test/serve.js';
import { nearCacheOfClient } from './metadata-batcher.js';

const harness = redisApiHarness();

/** Two APIs on one Redis key space: one with the near-cache, one without (the reference answers). */
async function pair() {
  const keyPrefix = harness.prefix();
  const plain = await harness.start({}, keyPrefix);
  const client = createCacheClient({
    transport: 'redis',
    url: harness.redisUrl(),
    keyPrefix,
    nearCache: { maxBytes: 1024 * 1024 },
  });
  const served = await serveApp({ client, limits: { rateLimit: null } });
  harness.track(served);
  return { plain, near: { call: httpCaller(served.url), client } };
}

it('GET /api/devices/{id} answers a near-cache hit exactly as a read from Redis, and a write invalidates it', async () => {
  const { plain, near } = await pair();
  await plain.client.upsertReadings([makeReading('d-1', 'T', 1)]);
  const stats = () => nearCacheOfClient(near.client)!.stats();
  const get = async (call: typeof near.call, id: string, headers?: Record<string, string>) => {
    const r = await call('GET', `/api/devices/${id}`, { headers });
    return { status: r.status, etag: r.headers.get('etag'), body: await r.text() };
  };
  const reference = await get(plain.call, 'd-1');
  expect(reference.status).toBe(200);
  const miss = await get(near.call, 'd-1');
  const hit = await get(near.call, 'd-1');
  expect(stats()).toMatchObject({ misses: 1, hits: 1 });
  expect(miss).toEqual(reference);
  expect(hit).toEqual(reference);
  // conditional read on a hit: 304 with the same ETag
  expect((await get(near.call, 'd-1', { 'if-none-match': reference.etag! })).status).toBe(304);
  // a cached unknown device is a 404 on the hit path too
  expect((await get(near.call, 'nobody')).status).toBe(404);
  expect((await get(near.call, 'nobody')).status).toBe(404);
  expect(stats().hits).toBe(3);
  // another client's write: the next read sees it (the serialized answer went with the entry)
  await plain.client.upsertReadings([makeReading('d-1', 'T', 2)]);
  const after = await get(plain.call, 'd-1');
  expect(after.body).not.toBe(reference.body);
  await expect.poll(async () => (await get(near.call, 'd-1')).body).toBe(after.body);
  expect((await get(near.call, 'd-1')).etag).toBe(after.etag);
});
