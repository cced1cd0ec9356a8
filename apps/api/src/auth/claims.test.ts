import { AuthError } from '@org/cache-core';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CLAIM_RULES, readClaims } from './claims.js';
import { JwtVerifier } from './jwt.js';

const SECRET = 'an-hs256-secret-of-at-least-32-bytes!!';
const NOW = 1_800_000_000_000;
const now = NOW / 1000;
const base = { service_id: 'svc', exp: now + 600, iat: now };
const read = (claims: Record<string, unknown>) => readClaims(claims, DEFAULT_CLAIM_RULES, NOW);
const refused = (claims: Record<string, unknown>) => {
  expect(() => read(claims), JSON.stringify(claims)).toThrow(AuthError);
};

describe('JWT claims', () => {
  it('takes tenants as an array of tenant ids or one id as a string; absent means any tenant', () => {
    expect(read({ ...base, tenants: ['acme', 'globex'] }).tenants).toEqual(['acme', 'globex']);
    expect(read({ ...base, tenants: 'acme' }).tenants).toEqual(['acme']);
    expect(read({ ...base, tenant: 'acme' }).tenants).toEqual(['acme']);
    expect(read({ ...base, tenants: [] }).tenants).toEqual([]);
    expect(read(base).tenants).toBeNull();
  });

  it('refuses every other tenants or tenant shape', () => {
    for (const value of [null, {}, { acme: true }, 5, true, [1], ['acme', null], ['bad id!'], [''], 'a b']) {
      refused({ ...base, tenants: value });
      refused({ ...base, tenant: value });
    }
    refused({ ...base, tenants: ['acme'], tenant: 'acme' });
    refused({ ...base, tenants: Array.from({ length: 1001 }, (_, i) => `t${i}`) });
  });

  it('refuses scopes of a wrong shape and ignores unknown scope names', () => {
    expect(read({ ...base, scopes: ['cache:read', 'nope'] }).scopes).toEqual(['cache:read']);
    expect(read({ ...base, scope: 'cache:read cache:write' }).scopes).toEqual(['cache:read', 'cache:write']);
    for (const value of [null, 5, {}, [5], ['cache:read', {}]]) {
      refused({ ...base, scopes: value });
      refused({ ...base, scope: value });
    }
    refused({ ...base, service_id: 5 });
    refused({ ...base, service_id: '' });
    refused({ ...base, service_id: 'x'.repeat(129) });
  });

  it('requires exp, caps the lifetime and refuses iat or nbf beyond the clock skew', () => {
    refused({ service_id: 'svc' });
    refused({ ...base, exp: 1e308 });
    refused({ service_id: 'svc', exp: now + 86_400 + 61 }); // no iat: exp - now
    refused({ ...base, exp: now + 86_401 });
    refused({ ...base, iat: now + 61 });
    refused({ ...base, nbf: now + 61 });
    refused({ ...base, exp: '1900000000' });
    refused({ ...base, exp: now - 61 });
    expect(read({ ...base, iat: now + 59, nbf: now + 59 }).expiresAt).toBe((now + 600) * 1000);
    expect(read({ ...base, exp: now + 86_400 }).expiresAt).toBe((now + 86_400) * 1000);
    const lax = { ...DEFAULT_CLAIM_RULES, requireExp: false };
    expect(readClaims({ service_id: 'svc' }, lax, NOW).expiresAt).toBeNull();
  });
});

/** Any JSON-ish value, including the shapes identity providers get wrong. */
const claimValue = fc.oneof(
  fc.constantFrom(null, 'acme', 'bad id!', '', 'acme globex'),
  fc.array(fc.oneof(fc.constantFrom('acme', 'globex', '', 'bad id!', 'x'.repeat(65)), fc.jsonValue()), {
    maxLength: 4,
  }),
  fc.jsonValue(),
);

describe('JWT claims, property-based', () => {
  it('random tenants/tenant/scopes never give an unrestricted principal unless both tenant claims are absent', async () => {
    const verifier = (await JwtVerifier.create({ secret: SECRET }))!;
    const key = new TextEncoder().encode(SECRET);
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          { tenants: claimValue, tenant: claimValue, scopes: claimValue, scope: claimValue },
          { requiredKeys: [] },
        ),
        async (claims) => {
          const token = await new SignJWT({ service_id: 'fuzz', ...claims })
            .setProtectedHeader({ alg: 'HS256' })
            .setIssuedAt()
            .setExpirationTime('5m')
            .sign(key);
          let tenants: ReadonlySet<string> | null | 'refused';
          try {
            tenants = (await verifier.verify(token)).principal.tenants;
          } catch (error) {
            expect(error).toBeInstanceOf(AuthError);
            tenants = 'refused';
          }
          const absent = !('tenants' in claims) && !('tenant' in claims);
          if (tenants === null) expect(absent).toBe(true);
          if (absent) expect(tenants === null || tenants === 'refused').toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('random times are refused unless exp is within the lifetime cap and iat/nbf within the skew', () => {
    const time = fc.oneof(
      fc.constant(undefined),
      fc.double({ noNaN: true }),
      fc.integer({ min: -200_000, max: 200_000 }).map((d) => now + d),
    );
    fc.assert(
      fc.property(time, time, time, (exp, iat, nbf) => {
        const claims: Record<string, unknown> = { service_id: 'svc' };
        if (exp !== undefined) claims.exp = exp;
        if (iat !== undefined) claims.iat = iat;
        if (nbf !== undefined) claims.nbf = nbf;
        let accepted = true;
        try {
          read(claims);
        } catch {
          accepted = false;
        }
        if (accepted) {
          expect(exp).toBeDefined();
          expect(exp! - (iat ?? now)).toBeLessThanOrEqual(86_400);
          expect(exp!).toBeLessThanOrEqual(now + 60 + 86_400);
          if (iat !== undefined) expect(iat).toBeLessThanOrEqual(now + 60);
          if (nbf !== undefined) expect(nbf).toBeLessThanOrEqual(now + 60);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});
