import { type Cluster, Redis, type RedisOptions } from 'ioredis';
import type { IcdMetrics } from './icd-metrics.js';
import { type NodeInfo, parseNodeInfo } from './info-parse.js';

/** Hit and miss counts so far, by cache type (cumulative; the sampler takes differences). */
export type LookupTotals = () => Promise<Record<'device' | 'kv', { hits: number; misses: number }>>;

export interface NodeSamplerOptions {
  metrics: IcdMetrics;
  /** The Redis connection (standalone or Cluster) of the backend; null on the memory store. */
  redis: Redis | Cluster | null;
  lookups: LookupTotals;
  /** How often the values are refreshed while someone scrapes (ms). */
  intervalMs: number;
  /** One node's INFO longer than this counts as the node being down (ms). */
  timeoutMs?: number;
}

/**
 * Refreshes the ICD metrics on a bounded schedule, never per scrape: every `intervalMs` while they
 * are scraped, one `INFO memory` + `INFO replication` per Redis node (every master and replica of a
 * Cluster, each with a timeout), and the hit rate over the interval. `touch()` (each scrape) starts
 * the schedule; it stops by itself after 4 intervals (at least a minute) without a scrape, so an
 * API nobody scrapes sends Redis nothing. A scrape never waits on Redis except the first one.
 */
export class NodeSampler {
  readonly #o: NodeSamplerOptions;
  #timer: NodeJS.Timeout | null = null;
  #lastTouch = 0;
  #running: Promise<void> | null = null;
  #previous: Awaited<ReturnType<LookupTotals>> | null = null;
  #known = new Map<string, string>();
  #sampled = false;
  /** Connections to replicas the backend's client does not hold, by address. */
  readonly #replicas = new Map<string, Redis>();

  constructor(options: NodeSamplerOptions) {
    this.#o = options;
  }

  /** A scrape: keeps the schedule running; the first one waits for a first refresh. */
  async touch(): Promise<void> {
    this.#lastTouch = Date.now();
    if (this.#timer === null) {
      this.#timer = setInterval(() => this.#tick(), this.#o.intervalMs);
      this.#timer.unref();
    }
    if (!this.#sampled) await this.refresh();
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    for (const connection of this.#replicas.values()) connection.disconnect();
    this.#replicas.clear();
    this.#sampled = false;
  }

  /** A connection of the sampler's own to a replica, with the backend's options (password, TLS). */
  #replicaConnection(address: string): Redis {
    let connection = this.#replicas.get(address);
    if (connection === undefined) {
      const redis = this.#o.redis!;
      const base: RedisOptions =
        'nodes' in redis && typeof redis.nodes === 'function'
          ? ((redis as Cluster).options.redisOptions ?? {})
          : (redis as Redis).options;
      const colon = address.lastIndexOf(':');
      connection = new Redis({
        ...base,
        host: address.slice(0, colon),
        port: Number(address.slice(colon + 1)),
        db: 0,
        lazyConnect: false,
        enableOfflineQueue: true,
        maxRetriesPerRequest: 0,
        connectTimeout: this.#o.timeoutMs ?? 2_000,
        keyPrefix: undefined,
      });
      connection.on('error', () => {});
      this.#replicas.set(address, connection);
    }
    return connection;
  }

  #tick(): void {
    const idleMs = Math.max(60_000, 4 * this.#o.intervalMs);
    if (Date.now() - this.#lastTouch > idleMs) {
      this.stop();
      return;
    }
    void this.refresh();
  }

  /** One refresh (concurrent calls share it). */
  refresh(): Promise<void> {
    this.#running ??= this.#refresh().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #refresh(): Promise<void> {
    const { metrics, redis } = this.#o;
    await this.#refreshHitRate();
    if (redis !== null) {
      const nodes = nodesOf(redis);
      const infos = await Promise.all(nodes.map((n) => this.#info(n.connection)));
      // replicas the client holds no connection to (ioredis reads from masters): found in their
      // masters' INFO, read over connections of the sampler's own
      const listed = new Set(nodes.map((n) => n.address));
      const extra: NodeConnection[] = [];
      for (const info of infos)
        for (const r of info?.replicas ?? [])
          if (!listed.has(r.address)) {
            listed.add(r.address);
            extra.push({
              address: r.address,
              role: 'replica',
              connection: this.#replicaConnection(r.address),
            });
          }
      for (const [address, connection] of this.#replicas)
        if (!listed.has(address)) {
          connection.disconnect();
          this.#replicas.delete(address);
        }
      infos.push(...(await Promise.all(extra.map((n) => this.#info(n.connection)))));
      nodes.push(...extra);
      const byAddress = new Map<string, NodeInfo>();
      const seen = new Map<string, string>();
      nodes.forEach((node, i) => {
        const info = infos[i];
        const role = info?.role ?? node.role;
        seen.set(node.address, role);
        metrics.nodeStatus.set({ node: node.address, role }, info ? 1 : 0);
        if (info) {
          byAddress.set(node.address, info);
          metrics.memory.set({ node: node.address, role }, info.usedMemoryBytes);
        }
      });
      for (const [address, info] of byAddress) {
        if (info.role === 'master') {
          let worst = 0;
          for (const r of info.replicas) {
            const lag = Math.max(0, info.replOffset - r.offset);
            worst = Math.max(worst, lag);
            // a replica's own series comes from its master's view (its acknowledged offset)
            metrics.replicationLag.set({ node: r.address }, lag);
          }
          metrics.replicationLag.set({ node: address }, worst);
        } else if (info.master && !info.master.linkUp) {
          // link down: its master no longer lists it; its lag is unknown, report how far it is from its master's offset
          const master = byAddress.get(info.master.address);
          metrics.replicationLag.set(
            { node: address },
            Math.max(0, (master?.replOffset ?? 0) - info.replOffset),
          );
        }
      }
      // nodes gone from the cluster lose their series (no stale node forever)
      for (const [address, role] of this.#known) {
        if (seen.get(address) === role) continue;
        metrics.nodeStatus.remove({ node: address, role });
        metrics.memory.remove({ node: address, role });
        if (!seen.has(address)) metrics.replicationLag.remove({ node: address });
      }
      this.#known = seen;
    }
    this.#sampled = true;
  }

  async #refreshHitRate(): Promise<void> {
    const { metrics } = this.#o;
    const now = await this.#o.lookups();
    const before = this.#previous;
    this.#previous = now;
    for (const type of ['device', 'kv'] as const) {
      const hits = now[type].hits - (before?.[type].hits ?? 0);
      const misses = now[type].misses - (before?.[type].misses ?? 0);
      if (hits + misses > 0)
        metrics.hitRate.set({ service: metrics.service, cache_type: type }, hits / (hits + misses));
      else if (before === null) metrics.hitRate.set({ service: metrics.service, cache_type: type }, 0);
    }
  }

  async #info(connection: Redis): Promise<NodeInfo | null> {
    const timeoutMs = this.#o.timeoutMs ?? 2_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      const text = await Promise.race([
        connection.info('memory', 'replication'),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('INFO timed out')), timeoutMs);
        }),
      ]);
      return parseNodeInfo(String(text));
    } catch {
      return null;
    } finally {
      clearTimeout(timer);
    }
  }
}

interface NodeConnection {
  address: string;
  /** The role the client knows it by (used when the node does not answer). */
  role: 'master' | 'replica';
  connection: Redis;
}

/** Every node of the backend: the one standalone server, or each master and replica of a Cluster. */
function nodesOf(redis: Redis | Cluster): NodeConnection[] {
  if ('nodes' in redis && typeof redis.nodes === 'function') {
    const cluster = redis as Cluster;
    const masters = new Set(cluster.nodes('master'));
    return cluster.nodes('all').map((connection) => ({
      address: `${connection.options.host}:${connection.options.port}`,
      role: masters.has(connection) ? 'master' : 'replica',
      connection,
    }));
  }
  const single = redis as Redis;
  return [{ address: `${single.options.host}:${single.options.port}`, role: 'master', connection: single }];
}
