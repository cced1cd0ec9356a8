import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { INPUT_BOUNDS } from '../input-bounds.js';
import { CACHE_TYPE_NAME, Consistency, type KvWriteOptions } from './kv-write-options.js';

/** Bounds of a policy file. */
export const CACHE_POLICY_BOUNDS = {
  maxTextLength: 256 * 1024,
  maxServices: 256,
  maxCacheTypes: 256,
  maxPrefixes: 32,
  maxPrefixLength: 128,
} as const;

const CacheTypeRule = z
  .object({
    ttl: z.number().int().min(0).max(INPUT_BOUNDS.maxTtlSeconds).optional(),
    consistency: Consistency.optional(),
    compression: z.boolean().optional(),
    encryption: z.boolean().optional(),
    key_prefixes: z
      .array(z.string().min(1).max(CACHE_POLICY_BOUNDS.maxPrefixLength))
      .max(CACHE_POLICY_BOUNDS.maxPrefixes)
      .optional(),
  })
  .strict();
export type CacheTypeRule = z.output<typeof CacheTypeRule>;

const ServiceName = z.string().regex(/^(\*|[A-Za-z0-9][A-Za-z0-9_.-]{0,63})$/, 'a tenant id or "*"');

/**
 * The policy file (the interface-control document's section 4): per service (matched against the
 * tenant id; `*` applies to every tenant), its cache types with their TTL (seconds, 0 = never
 * expire), consistency, compression, encryption and the key prefixes that select the type:
 *
 *     {"services": {"billing": {"cache_types": {"session": {"ttl": 1800, "consistency": "strong",
 *       "encryption": true, "key_prefixes": ["session:"]}}}}}
 */
export const CachePolicyFile = z
  .object({
    services: z.record(
      ServiceName,
      z
        .object({
          cache_types: z.record(z.string().regex(CACHE_TYPE_NAME), CacheTypeRule),
        })
        .strict(),
    ),
  })
  .strict();
export type CachePolicyFile = z.output<typeof CachePolicyFile>;

/** The defaults a write gets from its cache type. */
export interface ResolvedCacheType {
  name: string;
  policy: CacheTypeRule;
}

export interface CachePolicy {
  /** The cache type of a write: the one named, else the longest key prefix of the tenant's types. */
  resolve(tenant: string, key: string, named: string | undefined): ResolvedCacheType | null;
  /** Cache types per service (for logs and the reload answer). */
  readonly counts: Record<string, number>;
}

const refuse = (message: string, reason: string) =>
  new ValidationError(`cache policy: ${message}`, { details: { field: 'cache_policy', reason } });

/** Parses and checks a policy file's text; a bad one is a ValidationError (CACHE_007) naming the first problem. */
export function parseCachePolicy(text: unknown): CachePolicy {
  if (typeof text !== 'string') throw refuse('must be text', 'not_text');
  if (text.length > CACHE_POLICY_BOUNDS.maxTextLength) {
    throw refuse(`longer than ${CACHE_POLICY_BOUNDS.maxTextLength} characters`, 'too_long');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw refuse('not valid JSON', 'bad_json');
  }
  const parsed = CachePolicyFile.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw refuse(`${issue?.path.join('.') || 'file'}: ${issue?.message}`, 'bad_schema');
  }
  const services = Object.entries(parsed.data.services);
  if (services.length > CACHE_POLICY_BOUNDS.maxServices) {
    throw refuse(`at most ${CACHE_POLICY_BOUNDS.maxServices} services`, 'too_many');
  }
  const byService = new Map<string, ResolvedCacheType[]>();
  const counts: Record<string, number> = {};
  for (const [service, { cache_types }] of services) {
    const types = Object.entries(cache_types).map(([name, policy]) => ({ name, policy }));
    if (types.length > CACHE_POLICY_BOUNDS.maxCacheTypes) {
      throw refuse(
        `service ${service}: at most ${CACHE_POLICY_BOUNDS.maxCacheTypes} cache types`,
        'too_many',
      );
    }
    byService.set(service, types);
    counts[service] = types.length;
  }
  return { resolve: (tenant, key, named) => resolve(byService, tenant, key, named), counts };
}

function resolve(
  byService: Map<string, ResolvedCacheType[]>,
  tenant: string,
  key: string,
  named: string | undefined,
): ResolvedCacheType | null {
  const own = byService.get(tenant) ?? [];
  const shared = byService.get('*') ?? [];
  if (named !== undefined) {
    const found = own.find((t) => t.name === named) ?? shared.find((t) => t.name === named);
    if (!found) {
      throw new ValidationError(`unknown cache type ${named} for tenant ${tenant}`, {
        details: { field: 'cache_type', reason: 'unknown_cache_type' },
      });
    }
    return found;
  }
  // the longest matching prefix; the tenant's own types before the shared ones on a tie
  let best: ResolvedCacheType | null = null;
  let bestLength = 0;
  for (const t of [...own, ...shared]) {
    for (const prefix of t.policy.key_prefixes ?? []) {
      if (prefix.length > bestLength && key.startsWith(prefix)) {
        best = t;
        bestLength = prefix.length;
      }
    }
  }
  return best;
}

/** A write's options with its cache type's defaults filled in (explicit options win). */
export function withPolicyDefaults(
  options: KvWriteOptions,
  type: ResolvedCacheType | null,
): KvWriteOptions & { ttl?: number } {
  if (type === null) return options;
  const p = type.policy;
  return {
    cacheType: type.name,
    ...(p.ttl !== undefined && { ttl: p.ttl }),
    ...(p.consistency !== undefined && { consistency: p.consistency }),
    ...(p.compression !== undefined && { compression: p.compression }),
    ...(p.encryption !== undefined && { encryption: p.encryption }),
    ...stripUndefined(options),
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
