import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ConfigUpdateMessage,
  ControlActionMessage,
  controlSigningInput,
  isControlNonce,
} from './control-message.js';

const action = (data: unknown) => ({ event: 'control.cache.action', version: '1.0', data });
const config = (data: unknown) => ({ event: 'config.cache.update', version: '1.0', data });

describe('control messages', () => {
  it('accepts the documented actions', () => {
    for (const data of [
      { action: 'invalidate', tenant: 'acme', pattern: 'user:*' },
      { action: 'clear_tenant', tenant: 'acme' },
      { action: 'flush' },
      { action: 'reload' },
    ]) {
      expect(ControlActionMessage.parse(action(data)).data).toEqual(data);
    }
    const update = {
      default_ttl: 60,
      services: {
        billing: { cache_types: { session: { ttl: 900, consistency: 'strong' } } },
        '*': { cache_types: {} },
      },
    };
    expect(ConfigUpdateMessage.parse(config(update)).data).toEqual(update);
  });

  it('refuses wrong shapes, extra fields and out-of-bound values', () => {
    for (const data of [
      { action: 'invalidate', tenant: 'a}b', pattern: '*' },
      { action: 'invalidate', tenant: 'acme', pattern: 'x'.repeat(513) },
      { action: 'invalidate', tenant: 'acme', pattern: '[z-a]' },
      { action: 'clear_tenant' },
      { action: 'flush', tenant: 'acme' },
      { action: 'drop_database' },
    ]) {
      expect(ControlActionMessage.safeParse(action(data)).success, JSON.stringify(data)).toBe(false);
    }
    const many = Object.fromEntries(
      Array.from({ length: 65 }, (_, i) => [`t${i}`, { ttl: 1, consistency: 'eventual' }]),
    );
    const svc = (cache_types: unknown) => ({ services: { billing: { cache_types } } });
    for (const data of [
      {},
      { default_ttl: -1 },
      { default_ttl: 1e12 },
      { cache_types: { s: { ttl: 1, consistency: 'strong' } } },
      svc(many),
      svc({ 'bad type': { ttl: 1, consistency: 'strong' } }),
      svc({ s: { ttl: 1, consistency: 'maybe' } }),
      svc({ s: { ttl: 1, consistency: 'strong', extra: 1 } }),
      { services: { 'a}b': { cache_types: {} } } },
      { services: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`s${i}`, { cache_types: {} }])) },
      JSON.parse(
        '{"services": {"billing": {"cache_types": {"__proto__": {"ttl": 1, "consistency": "strong"}}}}}',
      ),
      JSON.parse('{"services": {"__proto__": {"cache_types": {}}}}'),
    ]) {
      expect(ConfigUpdateMessage.safeParse(config(data)).success, JSON.stringify(data)).toBe(false);
    }
  });

  it('never accepts random values', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        expect(ControlActionMessage.safeParse(value).success).toBe(false);
        expect(ControlActionMessage.safeParse(action(value)).success).toBe(false);
        expect(ConfigUpdateMessage.safeParse(value).success).toBe(false);
      }),
    );
  });

  it('checks nonces', () => {
    expect(isControlNonce('a'.repeat(16))).toBe(true);
    expect(isControlNonce('a'.repeat(15))).toBe(false);
    expect(isControlNonce('a'.repeat(129))).toBe(false);
    expect(isControlNonce(`${'a'.repeat(16)}\n`)).toBe(false);
    expect(isControlNonce(42)).toBe(false);
  });

  it('binds every signed header and the body into distinct inputs', () => {
    const body = new TextEncoder().encode('{}');
    const base = controlSigningInput('control.cache.action', 't', 'n', 'c', body);
    expect(new TextDecoder().decode(base)).toBe('cache-control-v1\ncontrol.cache.action\nt\nn\nc\n{}');
    const variants = [
      controlSigningInput('config.cache.update', 't', 'n', 'c', body),
      controlSigningInput('control.cache.action', 't2', 'n', 'c', body),
      controlSigningInput('control.cache.action', 't', 'n2', 'c', body),
      controlSigningInput('control.cache.action', 't', 'n', 'c2', body),
      controlSigningInput('control.cache.action', 't', 'n', 'c', new TextEncoder().encode('{ }')),
    ];
    for (const v of variants) expect(Buffer.from(v).equals(Buffer.from(base))).toBe(false);
  });
});
