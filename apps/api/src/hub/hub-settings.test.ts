import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HubEnv, hubSettingsOf, parseControlPublicKey } from './hub-settings.js';

describe('hub settings', () => {
  it('is off without NATS_URL and with ENABLE_NATS=false; on with NATS_URL', () => {
    expect(hubSettingsOf(HubEnv.parse({}))).toBeNull();
    expect(hubSettingsOf(HubEnv.parse({ NATS_URL: 'nats://h:4222', ENABLE_NATS: 'false' }))).toBeNull();
    const settings = hubSettingsOf(HubEnv.parse({ NATS_URL: 'nats://a:4222,nats://b:4222' }));
    expect(settings).toMatchObject({
      servers: ['nats://a:4222', 'nats://b:4222'],
      stream: 'CACHE_EVENTS',
      subjectPrefix: '',
      duplicateWindowSeconds: 120,
      leaseSeconds: 15,
      healthIntervalSeconds: 30,
      controlKeys: [],
      controlMaxSkewSeconds: 60,
    });
  });

  it('refuses ENABLE_NATS=true without NATS_URL, and a lease too long for the duplicate window', () => {
    expect(HubEnv.safeParse({ ENABLE_NATS: 'true' }).success).toBe(false);
    expect(
      HubEnv.safeParse({
        NATS_URL: 'nats://h:1',
        HUB_RELAY_LEASE_SECONDS: '60',
        NATS_DUPLICATE_WINDOW_SECONDS: '100',
      }).success,
    ).toBe(false);
    expect(
      HubEnv.safeParse({
        NATS_URL: 'nats://h:1',
        NATS_DUPLICATE_WINDOW_SECONDS: '7200',
        NATS_STREAM_MAX_AGE_SECONDS: '3600',
      }).success,
    ).toBe(false);
  });

  it('reads operator keys as PEM, base64 SPKI or base64 raw, and refuses other key types', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const pem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const der = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('base64');
    const parsed = HubEnv.parse({ HUB_CONTROL_PUBLIC_KEYS: `${pem};${der},${raw}` }).HUB_CONTROL_PUBLIC_KEYS!;
    expect(parsed).toHaveLength(3);
    for (const key of parsed) expect(key.equals(publicKey)).toBe(true);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
      format: 'pem',
      type: 'spki',
    });
    expect(() => parseControlPublicKey(rsa.toString())).toThrow(/Ed25519/);
    expect(HubEnv.safeParse({ HUB_CONTROL_PUBLIC_KEYS: Array(17).fill(raw).join(',') }).success).toBe(false);
  });

  it('never throws on hostile values: each is parsed within bounds or refused', () => {
    const names = Object.keys(HubEnv.shape ?? {});
    expect(names.length).toBeGreaterThan(10);
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom(...names),
          fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 300 })),
        ),
        (env) => {
          const parsed = HubEnv.safeParse(env);
          if (!parsed.success) return;
          const s = hubSettingsOf(parsed.data);
          if (s === null) return;
          expect(s.servers.length).toBeGreaterThan(0);
          expect(s.stream).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
          expect(s.leaseSeconds * 2).toBeLessThanOrEqual(s.duplicateWindowSeconds);
        },
      ),
    );
  });
});
