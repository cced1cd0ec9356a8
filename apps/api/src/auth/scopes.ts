import { z } from 'zod';

/** What a token may do. `cache:admin` implies every other scope and every tenant. */
export const SCOPES = [
  'cache:read',
  'cache:write',
  'cache:delete',
  'cache:flush',
  'cache:reload',
  'metrics:read',
  'cache:admin',
] as const;
export type Scope = (typeof SCOPES)[number];
export const Scope = z.enum(SCOPES);

export const ADMIN_SCOPE: Scope = 'cache:admin';

/** Scopes of a static token declared without any (every scope but admin). */
export const DEFAULT_TOKEN_SCOPES: readonly Scope[] = SCOPES.filter((s) => s !== ADMIN_SCOPE);

const KNOWN = new Set<string>(SCOPES);

/** Keeps the known scopes of a JWT claim (an array, or a space-separated string as in OAuth `scope`). */
export function scopesFromClaim(claim: unknown): Scope[] {
  const items = Array.isArray(claim) ? claim : typeof claim === 'string' ? claim.split(/\s+/) : [];
  return items.filter((s): s is Scope => typeof s === 'string' && KNOWN.has(s));
}
