import { createCacheClient } from '@org/cache-client';
import {
  appliedOptionsOf,
  attachCachePolicy,
  CachePolicySource,
  type JsonValue,
  parseCachePolicy,
  ValidationError,
} from '@org/cache-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { withCodec } from './kv-options-codec.js';
import { kvOptionsSuite, writeWithOptions } from './kv-options-suite.js';

kvOptionsSuite(async ({ encryption }) => withCodec(createCacheClient({ transport: 'memory' }), encryption));

describe('cache-type policy on a direct client', () => {
  it("a write naming a cache type, or matching its prefix, gets the type's options", async () => {
    await using client = createCacheClient({ transport: 'memory', tenant: 'acme' });
    const policy = parseCachePolicy(
      JSON.stringify({
        services: {
          acme: {
            cache_types: { secret: { encryption: true, consistency: 'strong', key_prefixes: ['pay:'] } },
          },
        },
      }),
    );
    attachCachePolicy(client.transport, new CachePolicySource(null, policy));
    withCodec(client, true);
    expect(appliedOptionsOf(await writeWithOptions(client, 'pay:1', 1))).toMatchObject({
      cache_type: 'secret',
      encryption: 'aes-256-gcm',
      consistency: 'strong',
    });
    expect(
      appliedOptionsOf(await writeWithOptions(client, 'x', 1, { cacheType: 'secret', encryption: false })),
    ).toMatchObject({
      cache_type: 'secret',
      encryption: 'none',
    });
    expect(appliedOptionsOf(await writeWithOptions(client, 'other', 1))).toMatchObject({
      cache_type: null,
      encryption: 'none',
    });
    await expect(writeWithOptions(client, 'x', 1, { cacheType: 'nope' })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });
});

describe('any value, any options, through a store', () => {
  it('reads back what was written, and answers what it applied', async () => {
    await using client = withCodec(createCacheClient({ transport: 'memory' }), true);
    await fc.assert(
      fc.asyncProperty(
        fc.jsonValue({ maxDepth: 5 }),
        fc.record(
          {
            compression: fc.boolean(),
            encryption: fc.boolean(),
            consistency: fc.constantFrom('strong' as const, 'eventual' as const),
          },
          { requiredKeys: [] },
        ),
        async (raw, options) => {
          const value = JSON.parse(JSON.stringify(raw)) as JsonValue;
          const entry = await writeWithOptions(client, 'k', value, options);
          expect((await client.get('k'))?.value).toEqual(value);
          expect(appliedOptionsOf(entry)?.encryption).toBe(options.encryption ? 'aes-256-gcm' : 'none');
        },
      ),
      { numRuns: 300 },
    );
  });
});
