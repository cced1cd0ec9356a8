import { readFileSync } from 'node:fs';
import { AuthError } from '@org/cache-core';
import { type CryptoKey, errors, importSPKI, type JWTPayload, jwtVerify } from 'jose';
import { type ClaimRules, DEFAULT_CLAIM_RULES, readClaims } from './claims.js';
import { makePrincipal, type Principal } from './principal.js';

export interface JwtConfig {
  /** HS256 shared secret (at least 32 bytes). */
  secret?: string;
  /** RS256 public key, PEM (SPKI). */
  publicKey?: string;
  /** Or a file holding it (re-read on reload). */
  publicKeyFile?: string;
  issuer?: string;
  audience?: string;
  /** `exp` required, lifetime cap, clock skew (default DEFAULT_CLAIM_RULES). */
  claims?: Partial<ClaimRules>;
}

type Key = CryptoKey | Uint8Array;

/**
 * Verifies JWTs signed with HS256 and/or RS256, then checks their claims (`readClaims`):
 * `service_id` (or `sub`), `scopes` or `scope`, optionally `tenants` or `tenant`, `exp` (required
 * by default, lifetime capped), `iat`/`nbf` not in the future beyond the clock skew.
 */
export class JwtVerifier {
  readonly algorithms: string[];
  readonly #keys: Map<string, Key>;
  readonly #config: JwtConfig;
  readonly #rules: ClaimRules;

  private constructor(keys: Map<string, Key>, config: JwtConfig) {
    this.#keys = keys;
    this.algorithms = [...keys.keys()];
    this.#config = config;
    this.#rules = { ...DEFAULT_CLAIM_RULES, ...config.claims };
  }

  /** Null when no key is configured. Throws naming the bad setting. */
  static async create(config: JwtConfig): Promise<JwtVerifier | null> {
    const keys = new Map<string, Key>();
    if (config.secret !== undefined) {
      if (Buffer.byteLength(config.secret) < 32) throw new Error('JWT_SECRET: must be at least 32 bytes');
      keys.set('HS256', new TextEncoder().encode(config.secret));
    }
    let pem = config.publicKey;
    if (pem === undefined && config.publicKeyFile !== undefined) {
      try {
        pem = readFileSync(config.publicKeyFile, 'utf8');
      } catch (error) {
        throw new Error(
          `JWT_PUBLIC_KEY_FILE: cannot read ${config.publicKeyFile} (${(error as NodeJS.ErrnoException).code})`,
        );
      }
    }
    if (pem !== undefined) {
      try {
        keys.set('RS256', await importSPKI(pem.replace(/\\n/g, '\n').trim(), 'RS256'));
      } catch {
        throw new Error('JWT_PUBLIC_KEY: not an RSA public key in PEM (SPKI) form');
      }
    }
    return keys.size === 0 ? null : new JwtVerifier(keys, config);
  }

  async verify(
    token: string,
    nowMs = Date.now(),
  ): Promise<{ principal: Principal; expiresAt: number | null }> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, (header) => this.#keys.get(header.alg) ?? new Uint8Array(0), {
        algorithms: this.algorithms,
        issuer: this.#config.issuer,
        audience: this.#config.audience,
        clockTolerance: this.#rules.clockSkewSeconds,
        currentDate: new Date(nowMs),
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new AuthError('the token has expired');
      throw new AuthError('the token is not valid');
    }
    const claims = readClaims(payload as Record<string, unknown>, this.#rules, nowMs);
    return {
      principal: makePrincipal(claims.serviceId, 'jwt', claims.scopes, claims.tenants),
      expiresAt: claims.expiresAt,
    };
  }
}
