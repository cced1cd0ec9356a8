import { timingSafeEqual } from 'node:crypto';
import { AuthError } from '@org/cache-core';
import type { AuthFailureGuard } from '../limits/auth-failures.js';
import { type JwtConfig, JwtVerifier } from './jwt.js';
import { ANONYMOUS, makePrincipal, type Principal } from './principal.js';
import { readTokenFile, type StaticToken, sha256 } from './token-config.js';

export interface AuthConfig {
  /** Static tokens given directly (from `API_TOKENS`). */
  tokens?: readonly StaticToken[];
  /** A token file, read now and again on each reload. */
  tokensFile?: string;
  jwt?: JwtConfig;
  /** Counts failed authentications per client address (429 past its limit); absent: not limited. */
  failures?: AuthFailureGuard | null;
}

export interface AuthSummary {
  enabled: boolean;
  static_tokens: number;
  jwt_algorithms: string[];
}

interface CachedJwt {
  principal: Principal;
  until: number;
}

const JWT_CACHE_MAX = 10_000;
/** A verified JWT is trusted again without verifying its signature for at most this long. */
const JWT_CACHE_MS = 60_000;
const BEARER = /^Bearer[ ]+([^ ]+)[ ]*$/i;

/**
 * Checks `Authorization: Bearer` credentials: static tokens (kept as SHA-256 digests, compared in
 * constant time) and JWTs. With nothing configured every request is the anonymous principal.
 */
export class Authenticator {
  readonly #config: AuthConfig;
  #tokens: { token: StaticToken; principal: Principal }[] = [];
  #jwt: JwtVerifier | null = null;
  readonly #jwtCache = new Map<string, CachedJwt>();
  #generation = 0;

  private constructor(config: AuthConfig) {
    this.#config = config;
  }

  /** Reads the token file and JWT keys; throws naming the bad setting. */
  static async create(config: AuthConfig = {}): Promise<Authenticator> {
    const auth = new Authenticator(config);
    await auth.reload();
    return auth;
  }

  /** No credential configured: every request is allowed (local use). */
  static open(): Authenticator {
    return new Authenticator({});
  }

  /** Changes on every reload: whatever was verified before may no longer be valid. */
  get generation(): number {
    return this.#generation;
  }

  /** The failed-authentication limiter of this authenticator, if any. */
  get failures(): AuthFailureGuard | null {
    return this.#config.failures ?? null;
  }

  get enabled(): boolean {
    return this.#tokens.length > 0 || this.#jwt !== null;
  }

  summary(): AuthSummary {
    return {
      enabled: this.enabled,
      static_tokens: this.#tokens.length,
      jwt_algorithms: this.#jwt?.algorithms ?? [],
    };
  }

  /** Re-reads the token file and the JWT key file; on error the previous settings stay. */
  async reload(): Promise<AuthSummary> {
    let fromFile: StaticToken[] = [];
    if (this.#config.tokensFile) {
      try {
        fromFile = readTokenFile(this.#config.tokensFile);
      } catch (error) {
        throw new Error(`API_TOKENS_FILE: ${(error as Error).message}`);
      }
    }
    const jwt = this.#config.jwt ? await JwtVerifier.create(this.#config.jwt) : null;
    const tokens = [...(this.#config.tokens ?? []), ...fromFile];
    this.#tokens = tokens.map((token) => ({
      token,
      principal: makePrincipal(token.serviceId, 'token', token.scopes, token.tenants),
    }));
    this.#jwt = jwt;
    this.#jwtCache.clear();
    this.#generation++;
    return this.summary();
  }

  /** The caller of a request, from its Authorization header. Synchronous for static tokens. */
  authenticate(authorization: string | undefined): Principal | Promise<Principal> {
    if (!this.enabled) return ANONYMOUS;
    if (authorization === undefined) throw new AuthError('missing Authorization: Bearer credentials');
    const m = BEARER.exec(authorization);
    if (!m) throw new AuthError('the Authorization header must be "Bearer <token>"');
    const secret = m[1]!;
    const digest = sha256(secret);
    let found: Principal | null = null;
    for (const t of this.#tokens) {
      // Every digest is compared, in constant time, whatever matched before.
      if (timingSafeEqual(t.token.digest, digest) && found === null) found = t.principal;
    }
    if (found) return found;
    if (this.#jwt !== null && secret.split('.').length === 3)
      return this.#verifyJwt(secret, digest.toString('hex'));
    throw new AuthError('unknown or invalid token');
  }

  async #verifyJwt(token: string, cacheKey: string): Promise<Principal> {
    const now = Date.now();
    const cached = this.#jwtCache.get(cacheKey);
    if (cached && cached.until > now) return cached.principal;
    const { principal, expiresAt } = await this.#jwt!.verify(token);
    if (this.#jwtCache.size >= JWT_CACHE_MAX) this.#jwtCache.clear();
    this.#jwtCache.set(cacheKey, {
      principal,
      until: Math.min(expiresAt ?? Number.POSITIVE_INFINITY, now + JWT_CACHE_MS),
    });
    return principal;
  }
}
