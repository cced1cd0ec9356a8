import type { Scope } from './scopes.js';
import { ADMIN_SCOPE, DEFAULT_TOKEN_SCOPES, DEVICE_SCOPES } from './scopes.js';

/** Who is calling, once the bearer credential is checked. Never holds the credential itself. */
export interface Principal {
  /** `service_id` of the token or JWT (`anonymous` when auth is off). */
  readonly id: string;
  readonly kind: 'token' | 'jwt' | 'anonymous';
  readonly scopes: ReadonlySet<Scope>;
  /** Tenants it may touch; null: any. */
  readonly tenants: ReadonlySet<string> | null;
  readonly admin: boolean;
  /** Its rate-limit subject (`svc:<id>`), built once: the limiter hashes the same string every request. */
  readonly rateSubject: string;
}

export function makePrincipal(
  id: string,
  kind: Principal['kind'],
  scopes: Iterable<Scope>,
  tenants: Iterable<string> | null,
): Principal {
  const set = new Set(scopes);
  // Device state belongs to no tenant: a token limited to some tenants may never write or repair it.
  if (tenants !== null) for (const s of DEVICE_SCOPES) set.delete(s);
  return {
    id,
    kind,
    scopes: set,
    tenants: tenants === null ? null : new Set(tenants),
    admin: set.has(ADMIN_SCOPE),
    rateSubject: `svc:${id}`,
  };
}

/**
 * The caller when no credential is configured (local use): every scope but admin, any tenant, so
 * that "the path's tenant is not the caller's" is still refused.
 */
export const ANONYMOUS: Principal = makePrincipal('anonymous', 'anonymous', DEFAULT_TOKEN_SCOPES, null);

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.admin || principal.scopes.has(scope);
}

export function mayUseTenant(principal: Principal, tenant: string): boolean {
  return principal.admin || principal.tenants === null || principal.tenants.has(tenant);
}
