import { isCacheError, type Reading, timestampFromMillis } from '@org/cache-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCacheClient } from './create-client.js';

/** Anything a caller could pass: strings of every kind, numbers at the edges, objects, deep values. */
const anyArg = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 600 }),
  fc.constantFrom('', '.', '..', '*', '[z-a]', '\\', 'abc', '%%%', '0', '-1', 'x'.repeat(2_000), '\ud800'),
  fc.double(),
  fc.integer(),
  fc.constantFrom(0, -0, 1e21, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY),
  fc.constant(null),
  fc.constant(undefined),
  fc.anything({ maxDepth: 3 }),
  fc.integer({ min: 30, max: 50_000 }).map((depth) => {
    let v: unknown = 1;
    for (let i = 0; i < depth; i++) v = [v];
    // printed by its depth if a run fails (fast-check's printer recurses)
    return Object.assign(v as unknown[], { [fc.toStringMethod]: () => `nested(${depth})` });
  }),
);

const CLIENT_CODES = ['CACHE_004', 'CACHE_007', 'CACHE_008'];

/** Resolves, or rejects with a client-error code; anything else (a TypeError, a RangeError…) fails. */
async function settlesCleanly(run: () => Promise<unknown>): Promise<void> {
  const start = performance.now();
  try {
    await run();
  } catch (error) {
    if (!isCacheError(error)) throw error;
    expect(CLIENT_CODES).toContain(error.code);
    expect(error.message.length).toBeLessThan(300); // never echoes a huge input
  }
  expect(performance.now() - start).toBeLessThan(1_000);
}

const reading = (over: Record<string, unknown>): Reading =>
  ({
    device_id: 'dev',
    index: 'T',
    timestamp: timestampFromMillis(Date.UTC(2025, 5, 25)),
    request_id: null,
    values: [1],
    labels: null,
    display_names: null,
    metadata: null,
    ...over,
  }) as Reading;

describe('CacheClient argument validation (memory transport)', () => {
  it('answers every method either normally or with a 4xx code, whatever the arguments', async () => {
    const client = createCacheClient({ transport: 'memory' });
    const tenant = client.forTenant('props');
    const calls: ((a: unknown, b: unknown) => Promise<unknown>)[] = [
      (a) => client.getDeviceMetadata(a as string),
      (a) => client.getDeviceMetadataMany([a as string]),
      (a, b) => client.getReadings(a as string, b as string),
      (a) => client.listIndexes(a as string),
      (a) => client.resetDevice(a as string),
      (a, b) => client.listDevices({ pattern: a as string, cursor: b as string }),
      (a, b) => client.listDevices({ limit: a as number, offset: b as number }),
      (a, b) => client.listDevices({ sort: a as 'id', updatedSince: b as number }),
      (a, b) => client.listFutureDevices({ after: a as string, cursor: b as string }),
      (a) => client.listFutureDevices({ limit: a as number }),
      (a, b) => client.upsertReadings([reading({ [typeof a === 'string' ? a.slice(0, 20) : 'values']: b })]),
      (a, b) =>
        client.upsertReadings([
          reading({ values: [a], metadata: { datatype_id: 'x', datatype_name: 'y', k: b } }),
        ]),
      (a) => client.upsertReadings(a as Reading[]),
      (a, b) =>
        client.storeDeviceMetadata('dev', {
          datatype_id: 'x',
          datatype_name: 'y',
          datatype_unit: null,
          persist: true,
          last_updated: a as string,
          additional_properties: { k: b },
        }),
      (a, b) => tenant.set(a as string, b as never),
      (a) => tenant.set('k', 1, { ttl: a as number }),
      (a) => tenant.get(a as string),
      (a) => tenant.delete(a as string),
      (a) => tenant.invalidate(a as string),
      (a, b) => tenant.listKeys(a as string, { cursor: b as string }),
      (a) => tenant.listKeys('*', { limit: a as number }),
      (a) => tenant.setMany([{ key: 'k', value: a as never, ttl: 5 }]),
    ];
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: calls.length - 1 }), anyArg, anyArg, async (which, a, b) => {
        await settlesCleanly(() => calls[which]!(a, b));
      }),
      { numRuns: 2_000 },
    );
    // and the store still works
    await client.upsertReadings([reading({})]);
    expect(await client.getReadings('dev', 'T')).toHaveLength(1);
  });

  it('refuses a bad option at construction', () => {
    for (const maxFutureSkewMs of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => createCacheClient({ transport: 'memory', maxFutureSkewMs })).toThrow(
        expect.objectContaining({ code: 'CACHE_007' }),
      );
    }
    expect(createCacheClient({ transport: 'memory', maxFutureSkewMs: 1000 }).maxFutureSkewMs).toBe(1000);
    expect(createCacheClient({ transport: 'memory' }).maxFutureSkewMs).toBe(300_000);
  });
});
