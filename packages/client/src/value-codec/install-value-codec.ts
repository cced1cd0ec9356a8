import {
  type AppliedWriteOptions,
  type CacheEntry,
  type CachePolicy,
  cachePolicyOf,
  carryExpired,
  decodeStoredValue,
  encodeStoredValue,
  type JsonValue,
  type KeyScheme,
  kvOptionsOf,
  type ReplicationOutcome,
  recordApplied,
  registerValueCodec,
  resolveCodecSettings,
  type ValueCodecSettings,
  valueCodecOf,
  wasDecoded,
  withPolicyDefaults,
} from '@org/cache-core';
import type { Cluster, Redis } from 'ioredis';
import type { CacheTransport, KvSetItem, WriteContext } from '../transport.js';
import { waitForReplica } from './replication.js';

export interface ValueCodecOptions extends ValueCodecSettings {
  /**
   * How long a `strong` write waits for a replica (ms, default 1000, at most 60000). Keep it below
   * the client's `timeout` (ioredis `commandTimeout`, default 5 s): a longer WAIT fails with CACHE_005.
   */
  strongWriteTimeoutMs?: number;
  /**
   * The cache-type policy (or a function answering the current one, for reloads): a write naming
   * a `cacheType` (or whose key matches a type's prefix) gets its consistency, compression and
   * encryption as defaults. (Its `ttl` is applied by the API, which sees whether a write gave one.)
   */
  policy?: CachePolicy | (() => CachePolicy | null) | null;
}

/**
 * Installs the stored-value codec on a memory or Redis transport (the one every client of a
 * deployment must share settings with, the key ring above all): `set` / `setMany` store values
 * compressed and/or encrypted per their options (`withKvOptions` context), `get` / `getMany`
 * decode any frame, and `strong` writes wait for a replica (Redis). Over HTTP, do not install it:
 * the API applies it and the transport forwards the options. Installing twice is refused.
 */
export function installValueCodec<T extends CacheTransport>(
  transport: T,
  options: ValueCodecOptions = {},
): T {
  if (transport.kind === 'http')
    throw new TypeError('the HTTP transport sends options to the API, which encodes');
  if (valueCodecOf(transport)) throw new TypeError('a value codec is already installed on this transport');
  const settings = resolveCodecSettings(options);
  const timeoutMs = options.strongWriteTimeoutMs ?? 1000;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 60_000) {
    throw new RangeError('strongWriteTimeoutMs must be an integer from 1 to 60000');
  }
  // the policy given, else the one attached to the transport (attachCachePolicy), read at each write
  const given = options.policy;
  const currentPolicy: () => CachePolicy | null =
    typeof given === 'function'
      ? given
      : given
        ? () => given
        : () => cachePolicyOf(transport)?.current ?? null;
  const redis = (transport as unknown as { redis?: Redis | Cluster }).redis;
  const keys = (transport as unknown as { keys?: KeyScheme }).keys;
  const kvGet = transport.kvGet.bind(transport);
  const kvSet = transport.kvSet.bind(transport);

  transport.kvGet = async (tenant, keyList) => {
    const answer = await kvGet(tenant, keyList);
    // the store decoded unencrypted frames already (wasDecoded); encrypted ones need the key ring
    const decoded = answer.map((e) =>
      e === null || wasDecoded(e)
        ? e
        : { ...e, value: decodeStoredValue(e.value, { tenant, key: e.key }, settings) },
    );
    return carryExpired(answer, decoded);
  };

  transport.kvSet = async (tenant: string, items: readonly KvSetItem[], context?: WriteContext) => {
    const asked = kvOptionsOf(context);
    const encoded = items.map((item) => {
      const type = currentPolicy()?.resolve(tenant, item.key, asked.cacheType) ?? null;
      const request = withPolicyDefaults(asked, type);
      const { stored, applied } = encodeStoredValue(item.json, { tenant, key: item.key }, request, settings);
      return { item: { ...item, json: stored }, request, applied };
    });
    const entries = await kvSet(
      tenant,
      encoded.map((e) => e.item),
      context,
    );
    const strong = encoded.some((e) => e.request.consistency === 'strong');
    let replication: ReplicationOutcome | undefined;
    if (strong) {
      replication =
        redis && keys
          ? await waitForReplica(redis, keys, tenant, timeoutMs)
          : { replicas: 0, acknowledged: 0, waited: false, timeout_ms: timeoutMs };
    }
    return entries.map((entry, n): CacheEntry => {
      const { request, applied } = encoded[n]!;
      const out = { ...entry, value: JSON.parse(items[n]!.json) as JsonValue };
      const options: AppliedWriteOptions = {
        ...applied,
        consistency: request.consistency ?? 'eventual',
        cache_type: request.cacheType ?? null,
        ...(request.consistency === 'strong' && replication && { replication }),
      };
      return recordApplied(out, options);
    });
  };
  registerValueCodec(transport, {
    encryption: settings.keyRing !== null,
    compressionAlgorithm: settings.compressionAlgorithm,
    compressionThreshold: settings.compressionThreshold,
  });
  return transport;
}

/** True when `installValueCodec` ran on this transport. */
export function hasValueCodec(transport: CacheTransport): boolean {
  return valueCodecOf(transport) !== undefined;
}
