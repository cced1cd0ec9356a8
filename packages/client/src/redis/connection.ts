import { LUA_SCRIPTS, type LuaScriptName } from '@org/cache-core';
import { Cluster, type ClusterNode, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';

export interface RedisConnectionOptions {
  /** `redis://[:password@]host:port[/db]` or `rediss://…` (TLS). */
  url?: string;
  /** Cluster seed nodes (`host:port` strings or objects); presence selects Redis Cluster. */
  clusterNodes?: (string | ClusterNode)[];
  /** Passed to ioredis as is (password, db, tls, timeouts, …); for a cluster, to every node. */
  redisOptions?: RedisOptions;
  /** Passed to the ioredis Cluster constructor. */
  clusterOptions?: ClusterOptions;
  /** An existing ioredis connection to use instead (it is not closed by `close()`). */
  connection?: Redis | Cluster;
  /**
   * Called with connection-level errors (refused, reset…); commands still fail with typed errors
   * and `checkHealth()` reports the state. Default: ignored, so ioredis does not print them.
   */
  onConnectionError?: (error: Error) => void;
}

type ScriptArg = string | number | Buffer;
/** A Lua script registered on the connection: `(numKeys, ...keys, ...args)`. */
export type ScriptCall = (numKeys: number, ...args: ScriptArg[]) => Promise<unknown>;
export type Scripts = Record<LuaScriptName, ScriptCall>;

/**
 * Fail fast while the connection is down (issue 12): a command queued while (re)connecting is
 * failed at the next refused attempt (`maxRetriesPerRequest: 0`), one in flight when the
 * connection drops is failed, not sent again later (`autoResendUnfulfilledCommands: false`), and
 * reconnection is tried every 50 ms growing to 500 ms at most, so a Redis that is back is used
 * within half a second. `commandTimeout` (5 s, the document's `timeout`) bounds a Redis that
 * accepts commands but does not answer. `resilience.ts` refuses calls at once while
 * `connectionDown()` holds, so no call waits on a dead connection.
 */
const DEFAULTS: RedisOptions = {
  enableAutoPipelining: true,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  retryStrategy: (times) => Math.min(times * 50, 500),
  connectTimeout: 5_000,
  commandTimeout: 5_000,
};

const everReady = new WeakSet<Redis | Cluster>();

/**
 * True while the connection is known to be down: reconnecting or closed, or not ready after it had
 * been ready once (a first connection that is still being made is not "down": calls queue for it).
 */
export function connectionDown(redis: Redis | Cluster): boolean {
  const status = redis.status;
  if (status === 'ready') return false;
  if (status === 'reconnecting' || status === 'close' || status === 'end') return true;
  return everReady.has(redis);
}

/** Opens (or adopts) an ioredis standalone or cluster connection and registers the cache's scripts. */
export function openRedis(options: RedisConnectionOptions): {
  redis: Redis | Cluster;
  owned: boolean;
  scripts: Scripts;
} {
  let redis: Redis | Cluster;
  let owned = true;
  if (options.connection) {
    redis = options.connection;
    owned = false;
  } else if (options.clusterNodes && options.clusterNodes.length > 0) {
    redis = new Cluster(options.clusterNodes, {
      // Auto-pipelining groups commands by their first argument, which for a script is its key
      // count, not a key: cluster commands are sent one by one (still without waiting).
      enableAutoPipelining: false,
      ...options.clusterOptions,
      redisOptions: { ...DEFAULTS, ...options.redisOptions, ...options.clusterOptions?.redisOptions },
    });
  } else if (options.url) {
    redis = new Redis(options.url, { ...DEFAULTS, ...options.redisOptions });
  } else {
    redis = new Redis({ ...DEFAULTS, ...options.redisOptions });
  }
  if (owned) redis.on('error', options.onConnectionError ?? (() => {}));
  if (redis.status === 'ready') everReady.add(redis);
  else redis.once('ready', () => everReady.add(redis));
  for (const [name, lua] of Object.entries(LUA_SCRIPTS)) {
    redis.defineCommand(name, { lua });
  }
  const scripts = {} as Scripts;
  for (const name of Object.keys(LUA_SCRIPTS) as LuaScriptName[]) {
    const call = (redis as unknown as Record<string, ScriptCall>)[name]!;
    scripts[name] = call.bind(redis);
  }
  return { redis, owned, scripts };
}

/**
 * Sends one script call at once, bypassing auto-pipelining (which would hold it until the next
 * tick): Redis starts on it while the caller encodes the next one.
 */
export async function sendScriptNow(
  redis: Redis | Cluster,
  name: LuaScriptName,
  args: ScriptArg[],
): Promise<unknown> {
  if (redis instanceof Cluster)
    return (redis as unknown as Record<string, ScriptCall>)[name]!(...(args as [number]));
  const pipeline = redis.pipeline() as unknown as Record<string, ScriptCall> & {
    exec(): Promise<[Error | null, unknown][]>;
  };
  pipeline[name]!(...(args as [number]));
  const [[error, result] = [null, null]] = (await pipeline.exec()) ?? [];
  if (error) throw error;
  return result;
}

/** Waits (bounded) for a connection that is still connecting; true once it is ready. */
export async function whenReady(redis: Redis | Cluster, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return true;
  if (redis.status === 'end' || redis.status === 'close') return false;
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(redis.status === 'ready'), timeoutMs);
    redis.on('ready', onReady);
  });
}

/** The masters to visit for whole-keyspace work (SCAN, INFO): the node itself when standalone. */
export function masterNodes(redis: Redis | Cluster): Redis[] {
  return redis instanceof Cluster ? redis.nodes('master') : [redis];
}
