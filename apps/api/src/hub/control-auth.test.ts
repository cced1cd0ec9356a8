import { HUB_HEADERS } from '@org/cache-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { authoriseControl, type ControlAuthOptions } from './control-auth.js';
import { signControlMessage } from './control-signer.js';
import { parseControlPublicKey } from './hub-settings.js';
import { operatorKeys } from './hub-test-kit.js';

const operator = operatorKeys();

function options(): ControlAuthOptions {
  const seen = new Set<string>();
  return {
    keys: [parseControlPublicKey(operator.publicBase64)],
    maxSkewMs: 60_000,
    claimNonce: async (nonce) => !seen.has(nonce) && !!seen.add(nonce),
  };
}

const input = (m: { body: Uint8Array; headers: Record<string, string> }) => ({
  header: (name: string) => m.headers[name],
  body: m.body,
});

describe('authoriseControl', () => {
  it('accepts a signed message once, within the skew', async () => {
    const o = options();
    const m = signControlMessage('control.cache.action', { action: 'flush' }, operator.privateKey, {
      correlationId: 'c',
    });
    expect(await authoriseControl('control.cache.action', input(m), o)).toMatchObject({
      ok: true,
      correlationId: 'c',
    });
    expect(await authoriseControl('control.cache.action', input(m), o)).toMatchObject({
      ok: false,
      reason: 'replayed',
    });
    const future = signControlMessage('control.cache.action', {}, operator.privateKey, {
      now: new Date(Date.now() + 61_000),
    });
    expect(await authoriseControl('control.cache.action', input(future), o)).toMatchObject({
      reason: 'stale',
    });
  });

  it('refuses any change to a signed message', async () => {
    const m = signControlMessage('control.cache.action', { action: 'reload' }, operator.privateKey);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(HUB_HEADERS.correlationId, HUB_HEADERS.nonce, HUB_HEADERS.timestamp, 'body'),
        fc.string({ minLength: 1, maxLength: 3 }),
        async (part, suffix) => {
          const changed =
            part === 'body'
              ? {
                  headers: m.headers,
                  body: new TextEncoder().encode(`${new TextDecoder().decode(m.body)}${suffix}`),
                }
              : { body: m.body, headers: { ...m.headers, [part]: `${m.headers[part]}${suffix}` } };
          const check = await authoriseControl('control.cache.action', input(changed), options());
          expect(check.ok).toBe(false);
        },
      ),
    );
  });

  it('never accepts random headers and bodies, and never throws', async () => {
    const o = options();
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.constantFrom(
            HUB_HEADERS.correlationId,
            HUB_HEADERS.nonce,
            HUB_HEADERS.timestamp,
            HUB_HEADERS.signature,
          ),
          fc.oneof(
            fc.string(),
            fc.string({ unit: 'binary' }),
            fc.base64String({ minLength: 86, maxLength: 88 }),
          ),
        ),
        fc.uint8Array({ maxLength: 300 }),
        async (headers, body) => {
          const check = await authoriseControl('control.cache.action', input({ headers, body }), o);
          expect(check.ok).toBe(false);
        },
      ),
    );
  });
});
