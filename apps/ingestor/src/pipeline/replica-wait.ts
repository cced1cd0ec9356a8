import { type CacheClient, CacheError, ErrorCode } from '@org/cache-client';
import { RedisTransport } from '@org/cache-client/transports';

/** The transport's ioredis handle (standalone or Cluster); ioredis' types without depending on it. */
type RedisHandle = RedisTransport['redis'];
type Node = {
  wait(replicas: number, timeoutMs: number): Promise<number>;
  role(): Promise<unknown[]>;
  options: { host?: string; port?: number };
};
type ClusterLike = { nodes(role: 'master'): Node[] };

/** How long a master's replica count (from `ROLE`) is trusted. */
const REPLICA_COUNT_TTL_MS = 5_000;

import type { Logger } from '../logger.js';

export interface ReplicaWaitSettings {
  /** Replicas that must acknowledge a chunk's writes before its offsets are committed (0: off). */
  replicas: number;
  /** Longest wait for them (Redis `WAIT` timeout); past it the chunk is committed anyway (logged). */
  timeoutMs: number;
}

/** On Redis Cluster the writes wait for one replica, at most a second; standalone Redis does not wait. */
export const DEFAULT_CLUSTER_REPLICA_WAIT: ReplicaWaitSettings = { replicas: 1, timeoutMs: 1_000 };

/** A second opinion on a write's durability: how the last wait went. */
export interface ReplicaWaitStats {
  /** Waits where some master's replicas did not acknowledge within the timeout. */
  shortfalls: number;
  waits: number;
}

const SHORTFALL_LOG_EVERY_MS = 10_000;

/**
 * Redis replicates asynchronously: a write a master acknowledged can be lost when the master dies
 * before its replica received it, and the replica is promoted without it. The ingestor commits a
 * chunk's Kafka offsets after the write, so such a write would never be replayed. `around(write)`
 * sends `WAIT <replicas> <timeout>` after the write, on the same connections (WAIT covers the
 * writes its own connection made before it), to every master that has replicas:
 *
 * - a master that dies before its replica acknowledged fails the WAIT: the error is transient, so
 *   the chunk is written again (to the promoted replica) before anything is committed;
 * - a replica that does not acknowledge within the timeout (lagging, resyncing, or gone) does not
 *   stop the stream: the chunk is committed and a warning logged (durability then rests on the
 *   master alone until the replica is back).
 *
 * Masters are taken before and after the write (a failover during the write adds the new one).
 * A master without connected replicas (`ROLE`, asked every 5 s) is skipped: WAIT would block for
 * the whole timeout on every chunk. On standalone Redis (only when asked to) the configured count
 * is waited for.
 */
export class ReplicaWait {
  readonly stats: ReplicaWaitStats = { shortfalls: 0, waits: 0 };
  readonly #redis: RedisHandle;
  readonly #cluster: boolean;
  readonly #o: ReplicaWaitSettings;
  readonly #logger: Logger | undefined;
  #lastLogged = 0;
  readonly #replicaCounts = new WeakMap<Node, { count: number; at: number }>();

  constructor(redis: RedisHandle, cluster: boolean, settings: ReplicaWaitSettings, logger?: Logger) {
    this.#redis = redis;
    this.#cluster = cluster;
    this.#o = settings;
    this.#logger = logger;
  }

  /**
   * The replica wait for a client, or null. Unset parts take the default: `replicas` 1 on Redis
   * Cluster and 0 (off) on standalone Redis, `timeoutMs` 1000. `replicas: 0` or a transport that
   * is not Redis is off.
   */
  static forClient(
    client: CacheClient,
    settings: Partial<ReplicaWaitSettings> | null | undefined,
    logger?: Logger,
  ): ReplicaWait | null {
    const transport = client.transport;
    if (!(transport instanceof RedisTransport)) return null;
    const cluster = transport.kind === 'redis-cluster';
    const replicas = settings?.replicas ?? (cluster ? DEFAULT_CLUSTER_REPLICA_WAIT.replicas : 0);
    const timeoutMs = settings?.timeoutMs ?? DEFAULT_CLUSTER_REPLICA_WAIT.timeoutMs;
    if (replicas <= 0) return null;
    return new ReplicaWait(transport.redis, cluster, { replicas, timeoutMs }, logger);
  }

  async around<T>(write: () => Promise<T>): Promise<T> {
    const before = this.#masters();
    const result = await write();
    const targets = new Map(before);
    for (const [key, node] of this.#masters()) targets.set(key, node);
    const waits: Promise<{ key: string; want: number; acked: number } | null>[] = [];
    for (const [key, node] of targets) {
      waits.push(
        this.#replicas(node)
          .then((replicas) => {
            const want = Math.min(this.#o.replicas, replicas);
            return want <= 0
              ? null
              : node.wait(want, this.#o.timeoutMs).then((acked) => ({ key, want, acked }));
          })
          .then(
            (answer) => answer,
            (error: unknown) => {
              throw new CacheError(
                ErrorCode.UNAVAILABLE,
                `replica acknowledgement from ${key} failed: ${error instanceof Error ? error.message : String(error)}`,
                { failure: 'transient', cause: error },
              );
            },
          ),
      );
    }
    const answers = (await Promise.all(waits)).filter((a) => a !== null);
    if (answers.length === 0) return result;
    this.stats.waits++;
    const short = answers.filter((a) => a.acked < a.want);
    if (short.length > 0) {
      this.stats.shortfalls++;
      if (Date.now() - this.#lastLogged >= SHORTFALL_LOG_EVERY_MS) {
        this.#lastLogged = Date.now();
        this.#logger?.warn(
          { masters: short, timeoutMs: this.#o.timeoutMs, shortfalls: this.stats.shortfalls },
          'writes not acknowledged by a replica within the timeout; committed anyway',
        );
      }
    }
    return result;
  }

  /** The masters' connections (the ones the writes use) by `host:port`. */
  #masters(): Map<string, Node> {
    if (!this.#cluster) return new Map([['standalone', this.#redis as unknown as Node]]);
    const out = new Map<string, Node>();
    for (const node of (this.#redis as unknown as ClusterLike).nodes('master'))
      out.set(`${node.options.host}:${node.options.port}`, node);
    return out;
  }

  /** Connected replicas of a master (`ROLE`, remembered for 5 s); standalone: as configured. */
  async #replicas(node: Node): Promise<number> {
    if (!this.#cluster) return this.#o.replicas;
    const known = this.#replicaCounts.get(node);
    if (known && Date.now() - known.at < REPLICA_COUNT_TTL_MS) return known.count;
    const role = await node.role();
    const count = role[0] === 'master' && Array.isArray(role[2]) ? role[2].length : 0;
    this.#replicaCounts.set(node, { count, at: Date.now() });
    return count;
  }
}
