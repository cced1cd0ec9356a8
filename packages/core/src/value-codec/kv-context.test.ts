import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.js';
import { kvOptionsOf, withKvOptions } from './kv-context.js';

describe('withKvOptions', () => {
  it('adds the checked options to the context, and nothing when none is given', () => {
    expect(withKvOptions({ correlationId: 'c' }, { ttl: 5 } as never)).toEqual({ correlationId: 'c' });
    const context = withKvOptions(undefined, {
      encryption: true,
      consistency: 'strong',
      cacheType: 'session',
    });
    expect(kvOptionsOf(context)).toEqual({ encryption: true, consistency: 'strong', cacheType: 'session' });
    expect(kvOptionsOf(undefined)).toEqual({});
  });

  it('refuses a bad option with a ValidationError naming it', () => {
    expect(() => withKvOptions(undefined, { consistency: 'linear' })).toThrow(/consistency/);
    expect(() => withKvOptions(undefined, { cacheType: '__proto__' })).toThrow(ValidationError);
  });

  it('hostile options are a context or a ValidationError', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            compression: fc.anything(),
            encryption: fc.anything(),
            consistency: fc.anything(),
            cacheType: fc.anything(),
          },
          { requiredKeys: [] },
        ),
        (options) => {
          try {
            withKvOptions(undefined, options);
          } catch (error) {
            expect(error).toBeInstanceOf(ValidationError);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
