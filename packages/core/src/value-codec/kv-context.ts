import { ValidationError } from '../errors.js';
import { valueCodecOf } from './codec-registry.js';
import { KvWriteOptions } from './kv-write-options.js';

/** A transport's write context (the client's `WriteContext`): who caused the write. */
export interface WriteContextLike {
  correlationId?: string | null;
}

/** A write's context with its tenant-cache options (compression, encryption, consistency, cache type). */
export interface KvWriteContext extends WriteContextLike {
  kv?: KvWriteOptions;
}

/** The options of a write's context ({} when none). */
export function kvOptionsOf(context: WriteContextLike | undefined): KvWriteOptions {
  return (context as KvWriteContext | undefined)?.kv ?? {};
}

/**
 * Adds a caller's tenant-cache options (picked from `options`, checked: CACHE_007) to a write
 * context. `CacheClient.set` / `setMany` call it, so every transport receives them. Given the
 * transport, encryption is refused (CACHE_007) unless a codec with a key ring is installed on it
 * (an HTTP transport forwards it: the server decides).
 */
export function withKvOptions(
  context: WriteContextLike | undefined,
  options: Partial<Record<keyof KvWriteOptions, unknown>> | undefined,
  transport?: { kind: string },
): KvWriteContext | undefined {
  if (!options) return context;
  const picked = {
    compression: options.compression,
    encryption: options.encryption,
    consistency: options.consistency,
    cacheType: options.cacheType,
  };
  if (Object.values(picked).every((v) => v === undefined)) return context;
  const parsed = KvWriteOptions.safeParse(
    Object.fromEntries(Object.entries(picked).filter(([, v]) => v !== undefined)),
  );
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ValidationError(`invalid write option ${issue?.path.join('.')}: ${issue?.message}`, {
      details: { field: issue?.path.join('.') },
    });
  }
  // a store without the value codec cannot encrypt: refused here, never written as plaintext (over
  // HTTP the server decides)
  if (
    parsed.data.encryption &&
    transport &&
    transport.kind !== 'http' &&
    !valueCodecOf(transport)?.encryption
  ) {
    throw encryptionNotConfigured();
  }
  return { ...context, kv: parsed.data };
}

/** CACHE_007: encryption asked for where no key is configured. */
export function encryptionNotConfigured(key?: string): ValidationError {
  return new ValidationError('encryption was asked for, but no encryption key is configured', {
    details: { ...(key !== undefined && { key }), field: 'encryption', reason: 'encryption_not_configured' },
  });
}
