import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  OPERATOR_KEY_MAX_BYTES,
  OperatorKeyError,
  operatorPrivateKeyFromPem,
  operatorPublicKeyBase64,
  signControlMessage,
} from './control-signing.js';
import { ControlActionMessage, controlSigningInput } from './models/control-message.js';
import { HUB_HEADERS } from './models/hub-envelope.js';

const pemOf = (key: { export(o: object): string | Buffer }, type: string) =>
  key.export({ format: 'pem', type }).toString();

describe('signControlMessage', () => {
  it('signs the envelope and body so the public key verifies it, and a changed header does not', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const data = { action: 'invalidate', tenant: 'acme', pattern: 'user:*' };
    const m = signControlMessage('control.cache.action', data, privateKey, { correlationId: 'op-1' });
    expect(ControlActionMessage.parse(JSON.parse(new TextDecoder().decode(m.body))).data).toEqual(data);
    const h = m.headers;
    expect(h[HUB_HEADERS.correlationId]).toBe('op-1');
    expect(h[HUB_HEADERS.nonce]).toMatch(/^[A-Za-z0-9_-]{16,128}$/);
    const input = (eventType: string, correlationId: string) =>
      controlSigningInput(eventType, h[HUB_HEADERS.timestamp]!, h[HUB_HEADERS.nonce]!, correlationId, m.body);
    const signature = Buffer.from(h[HUB_HEADERS.signature]!, 'base64');
    expect(signature).toHaveLength(64);
    expect(verify(null, input('control.cache.action', 'op-1'), publicKey, signature)).toBe(true);
    expect(verify(null, input('config.cache.update', 'op-1'), publicKey, signature)).toBe(false);
    expect(verify(null, input('control.cache.action', 'op-2'), publicKey, signature)).toBe(false);
    // two messages never share a nonce
    expect(signControlMessage('control.cache.action', data, privateKey).headers[HUB_HEADERS.nonce]).not.toBe(
      h[HUB_HEADERS.nonce],
    );
  });
});

describe('operator keys', () => {
  it('reads a PKCS8 Ed25519 PEM and gives its public key as HUB_CONTROL_PUBLIC_KEYS takes it', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const read = operatorPrivateKeyFromPem(`\n${pemOf(privateKey, 'pkcs8')}\n`);
    const base64 = operatorPublicKeyBase64(read);
    expect(Buffer.from(base64, 'base64')).toHaveLength(32);
    expect(base64).toBe(operatorPublicKeyBase64(publicKey));
    const rebuilt = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(base64, 'base64').toString('base64url') },
      format: 'jwk',
    });
    const m = signControlMessage('control.cache.action', { action: 'reload' }, read);
    const h = m.headers;
    const input = controlSigningInput(
      'control.cache.action',
      h[HUB_HEADERS.timestamp]!,
      h[HUB_HEADERS.nonce]!,
      h[HUB_HEADERS.correlationId]!,
      m.body,
    );
    expect(verify(null, input, rebuilt, Buffer.from(h[HUB_HEADERS.signature]!, 'base64'))).toBe(true);
  });

  it('refuses other key kinds with a message saying what is wrong', () => {
    const ed = generateKeyPairSync('ed25519');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const ed448 = generateKeyPairSync('ed448');
    const encrypted = ed.privateKey
      .export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'x' })
      .toString();
    const cases: [string, RegExp][] = [
      [pemOf(ed.publicKey, 'spki'), /public key/],
      [pemOf(rsa.privateKey, 'pkcs8'), /an rsa key.*Ed25519/],
      [pemOf(rsa.privateKey, 'pkcs1'), /an rsa key/],
      [pemOf(ec.privateKey, 'sec1'), /an ec key/],
      [pemOf(ed448.privateKey, 'pkcs8'), /an ed448 key/],
      [encrypted, /encrypted/],
      ['', /not a PEM private key/],
      ['-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----', /cannot be read/],
      ['x'.repeat(OPERATOR_KEY_MAX_BYTES + 1), /over 16384 bytes/],
    ];
    for (const [pem, message] of cases) {
      expect(() => operatorPrivateKeyFromPem(pem), message.source).toThrow(OperatorKeyError);
      expect(() => operatorPrivateKeyFromPem(pem)).toThrow(message);
    }
  });

  it('any text that is not an Ed25519 private key throws OperatorKeyError and nothing else', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = pemOf(privateKey, 'pkcs8');
    const hostile = fc.oneof(
      fc.string({ maxLength: 400 }),
      fc.string({ unit: 'binary', maxLength: 200 }),
      // a real key's PEM with one character changed or cut
      fc
        .tuple(fc.nat({ max: pem.length - 1 }), fc.string({ maxLength: 3 }))
        .map(([i, s]) => pem.slice(0, i) + s + pem.slice(i + 1)),
      fc.nat({ max: pem.length }).map((n) => pem.slice(0, n)),
    );
    fc.assert(
      fc.property(hostile, (text) => {
        try {
          const key = operatorPrivateKeyFromPem(text);
          // a change inside the base64 can still decode to some other valid Ed25519 key
          expect(key.asymmetricKeyType).toBe('ed25519');
        } catch (error) {
          expect(error).toBeInstanceOf(OperatorKeyError);
          expect((error as Error).message).not.toContain(pem.split('\n')[1]!);
        }
      }),
      { numRuns: 500 },
    );
  });
});
