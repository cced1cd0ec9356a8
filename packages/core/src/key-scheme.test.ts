import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createKeyScheme, DEVICE_BUCKETS, deviceBucket } from './key-scheme.js';

const tagOf = (key: string) => {
  const open = key.indexOf('{');
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
};

describe('key scheme', () => {
  const keys = createKeyScheme();

  it('names a device key by its bucket, then its id', () => {
    const b = deviceBucket('282c02424eed');
    expect(keys.deviceMetadata('282c02424eed')).toBe(`device:{d${b}}:282c02424eed:metadata`);
    expect(keys.deviceEvents('282c02424eed')).toBe(`events:{d${b}}`);
    expect(keys.bucketEvents(b)).toBe(keys.deviceEvents('282c02424eed'));
  });

  it('puts the keys of a device and its bucket stream in one hash slot, whatever the id holds', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (id) => {
        const meta = keys.deviceMetadata(id);
        expect(tagOf(meta)).toBe(tagOf(keys.deviceReadings(id)));
        expect(tagOf(meta)).toBe(tagOf(keys.deviceEvents(id)));
        expect(tagOf(meta)).toMatch(/^d[0-9]+$/);
        const bucket = deviceBucket(id);
        expect(Number.isInteger(bucket) && bucket >= 0 && bucket < DEVICE_BUCKETS).toBe(true);
      }),
    );
    expect(keys.deviceMetadata('a}b')).not.toBe(keys.deviceMetadata('a%7Db'));
  });

  it('reads the device id back from a metadata key, and nothing from any other string', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', minLength: 1, maxLength: 64 }),
        fc.constantFrom('', 'p:', 'a{b}:', 'x%'),
        fc.string({ unit: 'binary', maxLength: 80 }),
        (id, prefix, noise) => {
          const keys = createKeyScheme(prefix);
          expect(keys.deviceIdOfMetadata(keys.deviceMetadata(id))).toBe(id);
          expect(keys.deviceIdOfMetadata(keys.deviceReadings(id))).toBeNull();
          expect(createKeyScheme(`${prefix}other:`).deviceIdOfMetadata(keys.deviceMetadata(id))).toBeNull();
          // whatever a string is, an id read from it names exactly that key
          for (const key of [noise, `${prefix}device:{d1}:${noise}:metadata`, `${prefix}device:{d${noise}`]) {
            const read = keys.deviceIdOfMetadata(key);
            if (read !== null) expect(keys.deviceMetadata(read)).toBe(key);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('spreads ids over every bucket', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 2_000; i++) seen.add(deviceBucket(`device-${i}`));
    expect(seen.size).toBe(DEVICE_BUCKETS);
  });

  it('puts a tenant stream in the tenant slot', () => {
    expect(tagOf(keys.kvEvents('acme'))).toBe(tagOf(keys.kvIndex('acme')));
    expect(() => keys.kvEvents('a}b')).toThrow(/tenant/);
  });

  it('applies the prefix everywhere', () => {
    const p = createKeyScheme('app1:');
    expect(p.deviceReadings('d')).toBe(`app1:device:{d${deviceBucket('d')}}:d:readings`);
    expect(p.globalEvents.startsWith('app1:')).toBe(true);
    expect(p.deviceIndexById.startsWith('app1:')).toBe(true);
    expect(p.kvEntry('acme', 'k')).toBe('app1:kv:{acme}:e:k');
  });

  it('scopes cache keys by tenant and refuses tenant ids that could escape', () => {
    expect(tagOf(keys.kvEntry('acme', 'x')) === tagOf(keys.kvIndex('acme'))).toBe(true);
    expect(() => keys.kvEntry('a}b', 'x')).toThrow(/tenant/);
    expect(() => keys.kvEntry('', 'x')).toThrow(/tenant/);
    expect(() => keys.kvIndex('*')).toThrow(/tenant/);
  });
});

describe('message hub keys', () => {
  const keys = createKeyScheme('app1:');

  it('keeps the relay lease and position in one slot, outside the families a flush deletes', () => {
    expect(keys.hubRelayLease).toBe('app1:hub:{relay}:lease');
    expect(keys.hubRelayPosition).toBe('app1:hub:{relay}:position');
    expect(tagOf(keys.hubRelayLease)).toBe(tagOf(keys.hubRelayPosition));
    const glob = (pattern: string) =>
      new RegExp(`^${pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
    for (const family of keys.families) {
      expect(glob(family).test(keys.hubRelayPosition), family).toBe(false);
      expect(glob(family).test(keys.hubControlNonce('n')), family).toBe(false);
    }
  });

  it('names one nonce key per nonce, never with a brace of its own', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 64 }), fc.string({ maxLength: 64 }), (a, b) => {
        const key = keys.hubControlNonce(a);
        expect(key.startsWith('app1:hub:nonce:')).toBe(true);
        expect(key.slice('app1:hub:nonce:'.length)).not.toMatch(/[{}]/);
        if (a !== b) expect(key).not.toBe(keys.hubControlNonce(b));
      }),
    );
  });
});
