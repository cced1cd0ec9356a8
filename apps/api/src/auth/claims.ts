import { AuthError, assertTenant, isCacheError } from '@org/cache-core';
import { SCOPES, type Scope } from './scopes.js';

/** What a JWT must satisfy beyond its signature (from `JWT_REQUIRE_EXP`, `JWT_MAX_LIFETIME`, `JWT_CLOCK_SKEW`). */
export interface ClaimRules {
  /** A token without `exp` is refused (default true). */
  requireExp: boolean;
  /** Longest accepted lifetime, seconds: `exp - iat` (or `exp - now` without `iat`). */
  maxLifetimeSeconds: number;
  /** How far in the future `iat` and `nbf` may be (and past `exp` still accepted), seconds. */
  clockSkewSeconds: number;
}

export const DEFAULT_CLAIM_RULES: ClaimRules = {
  requireExp: true,
  maxLifetimeSeconds: 86_400,
  clockSkewSeconds: 60,
};

/** Bounds of the claims themselves (a claim past them is a 401, never truncated). */
export const CLAIM_BOUNDS = { serviceIdMaxLength: 128, maxScopes: 64, maxTenants: 1_000 } as const;

/** The caller a verified JWT names, after every claim was checked. */
export interface TokenClaims {
  serviceId: string;
  scopes: Scope[];
  /** null: no `tenants` nor `tenant` claim (unrestricted, as a static token without `tenants`). */
  tenants: string[] | null;
  /** Epoch ms, or null when the token has no `exp` (only with `requireExp: false`). */
  expiresAt: number | null;
}

const KNOWN_SCOPES = new Set<string>(SCOPES);
const CONTROL = /[\u0000-\u001f\u007f]/;

function refuse(reason: string): never {
  throw new AuthError(`the token is not valid: ${reason}`);
}

const has = (payload: Record<string, unknown>, name: string) =>
  Object.hasOwn(payload, name) && payload[name] !== undefined;

/**
 * Reads and checks the claims of a JWT whose signature already verified. Every shape that is not
 * exactly what is documented is a 401 AUTH_001: nothing is guessed (a malformed `tenants` never
 * means "any tenant").
 */
export function readClaims(payload: Record<string, unknown>, rules: ClaimRules, nowMs: number): TokenClaims {
  const expiresAt = checkTimes(payload, rules, nowMs);
  return {
    serviceId: serviceIdOf(payload),
    scopes: scopesOf(payload),
    tenants: tenantsOf(payload),
    expiresAt,
  };
}

function serviceIdOf(payload: Record<string, unknown>): string {
  const claim = has(payload, 'service_id') ? 'service_id' : 'sub';
  const id = payload[claim];
  if (typeof id !== 'string' || id.length === 0) refuse(`${claim} must be a non-empty string`);
  if (id.length > CLAIM_BOUNDS.serviceIdMaxLength || CONTROL.test(id))
    refuse(`${claim} is too long or holds control characters`);
  return id;
}

/** `scopes`: an array of strings or a space-separated string; `scope` (OAuth): the same. Unknown names are ignored. */
function scopesOf(payload: Record<string, unknown>): Scope[] {
  let result: Scope[] = [];
  for (const claim of ['scope', 'scopes'] as const) {
    if (!has(payload, claim)) continue;
    const value = payload[claim];
    let items: unknown[];
    if (typeof value === 'string') items = value.split(/\s+/).filter((s) => s.length > 0);
    else if (Array.isArray(value)) items = value;
    else refuse(`${claim} must be an array of strings or a string`);
    if (items.length > CLAIM_BOUNDS.maxScopes)
      refuse(`${claim} holds more than ${CLAIM_BOUNDS.maxScopes} items`);
    const scopes: Scope[] = [];
    for (const item of items) {
      if (typeof item !== 'string') refuse(`${claim} must hold strings only`);
      if (KNOWN_SCOPES.has(item)) scopes.push(item as Scope);
    }
    result = scopes; // `scopes` wins over `scope` when both are given (both must be well formed)
  }
  return result;
}

/**
 * `tenants`: an array of valid tenant ids, or one tenant id as a string; `tenant`: the same.
 * Absent both: null (any tenant). Both present, null, an object, a number, an array holding
 * anything but valid tenant ids: refused.
 */
function tenantsOf(payload: Record<string, unknown>): string[] | null {
  const hasPlural = Object.hasOwn(payload, 'tenants');
  const hasSingular = Object.hasOwn(payload, 'tenant');
  if (hasPlural && hasSingular) refuse('give either tenants or tenant, not both');
  if (!hasPlural && !hasSingular) return null;
  const claim = hasPlural ? 'tenants' : 'tenant';
  const value = payload[claim];
  const items = typeof value === 'string' ? [value] : Array.isArray(value) ? value : null;
  if (items === null) refuse(`${claim} must be an array of tenant ids or one tenant id`);
  if (items.length > CLAIM_BOUNDS.maxTenants)
    refuse(`${claim} holds more than ${CLAIM_BOUNDS.maxTenants} items`);
  return items.map((item) => validTenant(item, claim));
}

function validTenant(item: unknown, claim: string): string {
  if (typeof item !== 'string') refuse(`${claim} must hold tenant ids (strings)`);
  try {
    return assertTenant(item);
  } catch (error) {
    if (isCacheError(error)) refuse(`${claim} holds an invalid tenant id`);
    throw error;
  }
}

/** `exp` (required unless told), the lifetime cap, and `iat`/`nbf` not beyond the clock skew. */
function checkTimes(payload: Record<string, unknown>, rules: ClaimRules, nowMs: number): number | null {
  const now = nowMs / 1000;
  const time = (claim: string): number | undefined => {
    if (!has(payload, claim)) return undefined;
    const v = payload[claim];
    if (typeof v !== 'number' || !Number.isFinite(v)) refuse(`${claim} must be a number of seconds`);
    return v;
  };
  const exp = time('exp');
  const iat = time('iat');
  const nbf = time('nbf');
  if (iat !== undefined && iat > now + rules.clockSkewSeconds) refuse('iat is in the future');
  if (nbf !== undefined && nbf > now + rules.clockSkewSeconds) refuse('nbf is in the future');
  if (exp === undefined) {
    if (rules.requireExp) refuse('the token has no exp');
    return null;
  }
  if (exp <= now - rules.clockSkewSeconds) throw new AuthError('the token has expired');
  const lifetime = exp - (iat ?? now);
  if (lifetime > rules.maxLifetimeSeconds)
    refuse(`its lifetime is over ${rules.maxLifetimeSeconds} s (JWT_MAX_LIFETIME)`);
  return exp * 1000;
}
