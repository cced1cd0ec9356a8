import type { KeyScheme, ReplicationOutcome } from '@org/cache-core';
import calculateSlot from 'cluster-key-slot';
import { Cluster, type Redis } from 'ioredis';
import { mapRedisError } from '../redis/redis-errors.js';

/** How long a standalone master's replica count is trusted (INFO replication is asked at most this often). */
const REPLICA_COUNT_TTL_MS = 1000;
const replicaCounts = new WeakMap<Redis, { at: number; count: Promise<number> }>();

function connectedReplicas(redis: Redis): Promise<number> {
  const cached = replicaCounts.get(redis);
  if (cached && Date.now() - cached.at < REPLICA_COUNT_TTL_MS) return cached.count;
  const count = redis
    .info('replication')
    .then((info) => Number(/connected_slaves:(\d+)/.exec(info)?.[1] ?? 0));
  replicaCounts.set(redis, { at: Date.now(), count });
  count.catch(() => replicaCounts.delete(redis));
  return count;
}

/** The master connection that holds a tenant's slot (from the cluster's slot table). */
function clusterMaster(cluster: Cluster, slotKey: string): Redis | null {
  const owners = (cluster as unknown as { slots: string[][] }).slots[calculateSlot(slotKey)];
  const masterKey = owners?.[0];
  if (!masterKey) return null;
  return cluster.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === masterKey) ?? null;
}

/**
 * `strong` consistency after a tenant-cache write on Redis: when the master of the tenant's slot
 * (the standalone server, or the Cluster master of the tenant's hash tag) has connected replicas, `WAIT 1 timeout` on the connection that wrote (so it waits for this write), and
 * the answer says how many replicas acknowledged. Without replicas it does not wait. A timeout is
 * not an error: `acknowledged: 0` says the write is on the master only.
 */
export async function waitForReplica(
  redis: Redis | Cluster,
  keys: KeyScheme,
  tenant: string,
  timeoutMs: number,
): Promise<ReplicationOutcome> {
  try {
    const node = redis instanceof Cluster ? clusterMaster(redis, keys.kvIndex(tenant)) : redis;
    if (node === null) return { replicas: 0, acknowledged: 0, waited: false, timeout_ms: timeoutMs };
    // what WAIT counts: the replicas connected to this master now (INFO, at most once a second)
    const replicas = await connectedReplicas(node);
    if (replicas === 0) return { replicas: 0, acknowledged: 0, waited: false, timeout_ms: timeoutMs };
    const acknowledged = Number(await node.call('WAIT', 1, timeoutMs));
    return { replicas, acknowledged, waited: true, timeout_ms: timeoutMs };
  } catch (error) {
    throw mapRedisError(error, 'set');
  }
}
