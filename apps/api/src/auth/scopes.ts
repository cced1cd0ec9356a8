import { z } from 'zod';

/** What a token may do. `cache:admin` implies every other scope and every tenant. */
export const SCOPES = [
  'cache:read',
  'cache:write',
  'cache:delete',
  'cache:flush',
  'cache:reload',
  'metrics:read',
  /** Writes device state (readings, metadata): never held by a token limited to some tenants. */
  'devices:write',
  /** Repairs device state (reset a device, list devices stamped in the future). */
  'devices:admin',
  'cache:admin',
] as const;
export type Scope = (typeof SCOPES)[number];
export const Scope = z.enum(SCOPES);

export const ADMIN_SCOPE: Scope = 'cache:admin';

/** Scopes of a static token declared without any (every scope but the two admin ones). */
export const DEFAULT_TOKEN_SCOPES: readonly Scope[] = SCOPES.filter(
  (s) => s !== ADMIN_SCOPE && s !== 'devices:admin',
);

/** Scopes over device state, which is shared by every tenant: a tenant-restricted token never holds them. */
export const DEVICE_SCOPES: ReadonlySet<Scope> = new Set<Scope>(['devices:write', 'devices:admin']);

const KNOWN = new Set<string>(SCOPES);

/** Keeps the known scopes of a JWT claim (an array, or a space-separated string as in OAuth `scope`). */
export function scopesFromClaim(claim: unknown): Scope[] {
  const items = Array.isArray(claim) ? claim : typeof claim === 'string' ? claim.split(/\s+/) : [];
  return items.filter((s): s is Scope => typeof s === 'string' && KNOWN.has(s));
}
