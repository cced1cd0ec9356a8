import { assertTenant, ForbiddenError, InvalidKeyError } from '@org/cache-core';
import type { Context } from 'hono';
import { mayUseTenant, type Principal } from '../auth/principal.js';
import { type AppEnv, requestHeader } from '../http/context.js';
import type { TenantRule } from './route.js';

/** The `X-Tenant-ID` of the request: 400 CACHE_004 when missing or malformed, 403 when not the token's. */
function headerTenant(c: Context<AppEnv>, principal: Principal): string {
  const raw = requestHeader(c, 'x-tenant-id');
  if (raw === undefined) {
    throw new InvalidKeyError('the X-Tenant-ID header is required', { details: { kind: 'tenant id' } });
  }
  const tenant = assertTenant(raw);
  c.set('tenant', tenant);
  if (!mayUseTenant(principal, tenant)) {
    throw new ForbiddenError(`this token may not use tenant ${tenant}`, { details: { tenant } });
  }
  return tenant;
}

/** Applies a route's tenant rule (see `TenantRule`); null when the request is for every tenant. */
export function checkTenant(
  c: Context<AppEnv>,
  rule: Exclude<TenantRule, 'none'>,
  principal: Principal,
  params: Record<string, string>,
  body: unknown,
): string | null {
  if (rule === 'header-or-all' && (body as { scope?: unknown } | undefined)?.scope === 'all') {
    if (principal.tenants !== null && !principal.admin) {
      throw new ForbiddenError('"scope": "all" reaches every tenant; this token is limited to some tenants', {
        details: { scope: 'all' },
      });
    }
    return null;
  }
  const tenant = headerTenant(c, principal);
  if (rule === 'header+path') {
    const target = params.tenant_id!;
    if (target !== tenant && !principal.admin) {
      throw new ForbiddenError(
        `tenant ${target} is not the caller's tenant (${tenant}); it needs the cache:admin scope`,
        { details: { tenant: target } },
      );
    }
    return target;
  }
  return tenant;
}
