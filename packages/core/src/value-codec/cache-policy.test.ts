import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.js';
import { parseCachePolicy, withPolicyDefaults } from './cache-policy.js';

const policyText = JSON.stringify({
  services: {
    acme: {
      cache_types: {
        session: { ttl: 1800, consistency: 'strong', encryption: true, key_prefixes: ['session:'] },
        admin_session: { ttl: 300, key_prefixes: ['session:admin:'] },
      },
    },
    '*': {
      cache_types: {
        catalog: { ttl: 86400, consistency: 'eventual', key_prefixes: ['catalog:', 'session:'] },
      },
    },
  },
});

describe('cache policy', () => {
  const policy = parseCachePolicy(policyText);

  it("resolves a named type, the tenant's own before the shared ones", () => {
    expect(policy.resolve('acme', 'x', 'session')?.policy.ttl).toBe(1800);
    expect(policy.resolve('other', 'x', 'catalog')?.name).toBe('catalog');
    expect(() => policy.resolve('other', 'x', 'session')).toThrow(ValidationError);
  });

  it('picks the longest key prefix, own types winning a tie', () => {
    expect(policy.resolve('acme', 'session:admin:1', undefined)?.name).toBe('admin_session');
    expect(policy.resolve('acme', 'session:1', undefined)?.name).toBe('session');
    expect(policy.resolve('other', 'session:1', undefined)?.name).toBe('catalog');
    expect(policy.resolve('acme', 'user:1', undefined)).toBeNull();
  });

  it('fills defaults under explicit options', () => {
    const type = policy.resolve('acme', 'session:1', undefined);
    expect(withPolicyDefaults({ consistency: 'eventual' }, type)).toEqual({
      cacheType: 'session',
      ttl: 1800,
      consistency: 'eventual',
      encryption: true,
    });
    expect(withPolicyDefaults({ compression: false }, null)).toEqual({ compression: false });
  });

  it('refuses bad files with a ValidationError naming the problem', () => {
    for (const [text, pattern] of [
      ['nope', /not valid JSON/],
      ['{"services": {"acme": {"cache_types": {"s": {"ttl": -1}}}}}', /ttl/],
      ['{"services": {"acme": {"cache_types": {"s": {"consistency": "linear"}}}}}', /consistency/],
      ['{"services": {"bad tenant": {"cache_types": {}}}}', /services/],
      ['{"services": {}, "extra": 1}', /file|Unrecognized/],
    ] as const) {
      expect(() => parseCachePolicy(text)).toThrow(pattern);
    }
  });

  it('hostile input is a policy or a ValidationError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.json(),
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify({ services: v })),
        ),
        (text) => {
          try {
            parseCachePolicy(text);
          } catch (error) {
            expect(error).toBeInstanceOf(ValidationError);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
