import type { CacheClient } from '@org/cache-client';
import { RedisTransport } from '@org/cache-client/transports';
import { Cluster, type Redis } from 'ioredis';

/** What the hub keeps beside the cache: the relay lease and position, control nonces, backend figures. */
export interface HubStore {
  /** Takes or renews the relay lease for `owner`; true while `owner` holds it. */
  holdLease(owner: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up when `owner` holds it. */
  releaseLease(owner: string): Promise<void>;
  /** The last event id the relay delivered, or null (from the oldest kept). */
  loadPosition(): Promise<string | null>;
  /** Saves the position only while `owner` holds the lease (a fenced write); false when it lost it. */
  savePosition(owner: string, eventId: string): Promise<boolean>;
  /** Sets the position only when none is saved (the very first start), lease or not. */
  initPosition(eventId: string): Promise<void>;
  /** Records a nonce for `ttlMs`; false when it was seen already. */
  claimNonce(nonce: string, ttlMs: number): Promise<boolean>;
  /** Backend counters for the health event, or null when the backend has none. */
  backendCounters(): Promise<BackendCounters | null>;
  /** The clock of the outbox (ms): Redis `TIME`, or this process's clock on the memory transport. */
  clockMs(): Promise<number>;
}

/** Cumulative counters of the backend (summed over masters). */
export interface BackendCounters {
  usedMemory: number;
  commandsProcessed: number;
  keyspaceHits: number;
  keyspaceMisses: number;
}

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) and 1 or 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const SAVE = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[2], ARGV[2]) return 1 end return 0`;

function masters(redis: Redis | Cluster): Redis[] {
  return redis instanceof Cluster ? redis.nodes('master') : [redis];
}

const field = (info: string, name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);

/** The store on the cache's Redis (standalone or Cluster); every key from core's key scheme. */
export function redisHubStore(transport: RedisTransport): HubStore {
  const { redis, keys } = transport;
  return {
    holdLease: async (owner, ttlMs) =>
      Number(await redis.eval(RENEW, 1, keys.hubRelayLease, owner, String(ttlMs))) === 1,
    releaseLease: async (owner) => {
      await redis.eval(RELEASE, 1, keys.hubRelayLease, owner);
    },
    loadPosition: () => redis.get(keys.hubRelayPosition),
    savePosition: async (owner, eventId) =>
      Number(await redis.eval(SAVE, 2, keys.hubRelayLease, keys.hubRelayPosition, owner, eventId)) === 1,
    initPosition: async (eventId) => {
      await redis.set(keys.hubRelayPosition, eventId, 'NX');
    },
    claimNonce: async (nonce, ttlMs) =>
      (await redis.set(keys.hubControlNonce(nonce), '1', 'PX', ttlMs, 'NX')) === 'OK',
    clockMs: async () => {
      const [seconds, micros] = await masters(redis)[0]!.time();
      return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    },
    backendCounters: async () => {
      const infos = await Promise.all(masters(redis).map((node) => node.info()));
      const sum = (name: string) => infos.reduce((total, info) => total + field(info, name), 0);
      return {
        usedMemory: sum('used_memory'),
        commandsProcessed: sum('total_commands_processed'),
        keyspaceHits: sum('keyspace_hits'),
        keyspaceMisses: sum('keyspace_misses'),
      };
    },
  };
}

/** The store in process, for the embedded memory backend (one process: the lease is always held). */
export function memoryHubStore(): HubStore {
  let position: string | null = null;
  let leaseOwner: string | null = null;
  const nonces = new Map<string, number>();
  return {
    holdLease: async (owner) => {
      leaseOwner ??= owner;
      return leaseOwner === owner;
    },
    releaseLease: async (owner) => {
      if (leaseOwner === owner) leaseOwner = null;
    },
    loadPosition: async () => position,
    savePosition: async (owner, eventId) => {
      if (leaseOwner !== owner) return false;
      position = eventId;
      return true;
    },
    initPosition: async (eventId) => {
      position ??= eventId;
    },
    claimNonce: async (nonce, ttlMs) => {
      const now = Date.now();
      for (const [n, until] of nonces) if (until <= now) nonces.delete(n);
      if (nonces.has(nonce)) return false;
      nonces.set(nonce, now + ttlMs);
      return true;
    },
    backendCounters: async () => null,
    clockMs: async () => Date.now(),
  };
}

/** The store that fits the client's transport: Redis when it is one, else in process. */
export function hubStoreFor(client: CacheClient): HubStore {
  return client.transport instanceof RedisTransport ? redisHubStore(client.transport) : memoryHubStore();
}
