import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { freePortPair } from '../ports.js';
import { RedisProcess } from './redis-process.js';

const run = promisify(execFile);

export interface RedisClusterServer {
  /** `host:port` of every master (and of every replica when asked for replicas). */
  nodes: string[];
  /** The spawned processes, masters first (empty when `REDIS_CLUSTER_NODES` provides the cluster). */
  processes: RedisProcess[];
  stop(): Promise<void>;
}

export interface StartRedisClusterOptions {
  /** Masters (default 3). */
  masters?: number;
  /** Replicas per master (default 0); `{masters: 3, replicas: 1}` is 3 masters and 3 replicas. */
  replicas?: number;
  /** `cluster-node-timeout` in ms (default 5000): how soon a dead master's replica takes over. */
  nodeTimeoutMs?: number;
  /** Extra redis-server arguments for every node (e.g. `--enable-debug-command yes`). */
  args?: string[];
}

/**
 * A Redis Cluster for tests: `REDIS_CLUSTER_NODES` (comma-separated `host:port`) when set, else
 * `masters` redis-server processes on free ports joined with `redis-cli --cluster create`.
 */
export async function startRedisCluster(options: StartRedisClusterOptions = {}): Promise<RedisClusterServer> {
  const external = process.env.REDIS_CLUSTER_NODES;
  if (external)
    return { nodes: external.split(',').map((n) => n.trim()), processes: [], stop: async () => {} };
  const masters = options.masters ?? 3;
  const replicas = options.replicas ?? 0;
  const procs: RedisProcess[] = [];
  try {
    for (let i = 0; i < masters * (1 + replicas); i++) {
      const proc = new RedisProcess(await freePortPair(10_000), [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        'nodes.conf',
        '--cluster-node-timeout',
        String(options.nodeTimeoutMs ?? 5000),
        ...(options.args ?? []),
      ]);
      procs.push(proc);
      await proc.start();
    }
    const nodes = procs.map((p) => `127.0.0.1:${p.port}`);
    await run('redis-cli', [
      '--cluster',
      'create',
      ...nodes,
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ]);
    await waitForClusterOk(procs.map((p) => p.port));
    if (replicas > 0)
      await waitForReplicasInSync(
        procs.map((p) => p.port),
        masters * replicas,
      );
    return {
      nodes,
      processes: procs,
      stop: async () => void (await Promise.all(procs.map((p) => p.destroy()))),
    };
  } catch (error) {
    await Promise.all(procs.map((p) => p.destroy()));
    throw new Error(
      `cannot start a Redis Cluster: ${(error as Error).message}. Install redis-server/redis-tools or set REDIS_CLUSTER_NODES.`,
    );
  }
}

/** Waits until `count` replicas report their master link up (each one synced once). */
async function waitForReplicasInSync(ports: number[], count: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const infos = await Promise.all(
      ports.map(async (port) => (await run('redis-cli', ['-p', String(port), 'info', 'replication'])).stdout),
    );
    if (infos.filter((i) => /role:slave/.test(i) && /master_link_status:up/.test(i)).length >= count) return;
    if (Date.now() > deadline) throw new Error('the replicas did not sync with their masters');
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function waitForClusterOk(ports: number[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const states = await Promise.all(
      ports.map(async (port) => {
        const { stdout } = await run('redis-cli', ['-p', String(port), 'cluster', 'info']);
        return /cluster_state:ok/.test(stdout) && /cluster_slots_assigned:16384/.test(stdout);
      }),
    );
    if (states.every(Boolean)) return;
    if (Date.now() > deadline) throw new Error('cluster did not reach cluster_state:ok');
    await new Promise((r) => setTimeout(r, 200));
  }
}
