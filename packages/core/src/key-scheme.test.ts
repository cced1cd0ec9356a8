import { describe, expect, it } from 'vitest';
import { createKeyScheme } from './key-scheme.js';

const tagOf = (key: string) => {
  const open = key.indexOf('{');
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
};

describe('key scheme', () => {
  const keys = createKeyScheme();

  it('keeps the seed metadata key shape', () => {
    expect(keys.deviceMetadata('282c02424eed')).toBe('device:{282c02424eed}:metadata');
  });

  it('puts both keys of a device in one hash slot, whatever the id holds', () => {
    for (const id of ['plain', 'a}b', '}x', '{x}', 'gw/01', 'Température', '%7B']) {
      const meta = keys.deviceMetadata(id);
      const readings = keys.deviceReadings(id);
      expect(tagOf(meta), id).toBe(tagOf(readings));
      expect(tagOf(meta), id).not.toBe(meta);
    }
    expect(keys.deviceMetadata('a}b')).not.toBe(keys.deviceMetadata('a%7Db'));
  });

  it('applies the prefix everywhere', () => {
    const p = createKeyScheme('app1:');
    expect(p.deviceReadings('d')).toBe('app1:device:{d}:readings');
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
