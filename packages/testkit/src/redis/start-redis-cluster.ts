import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { freePortPair } from '../ports.js';
import { RedisProcess } from './redis-process.js';

const run = promisify(execFile);

export interface RedisClusterServer {
  /** `host:port` of every master. */
  nodes: string[];
  stop(): Promise<void>;
}

/**
 * A Redis Cluster for tests: `REDIS_CLUSTER_NODES` (comma-separated `host:port`) when set, else
 * `masters` redis-server processes on free ports joined with `redis-cli --cluster create`.
 */
export async function startRedisCluster(options: { masters?: number } = {}): Promise<RedisClusterServer> {
  const external = process.env.REDIS_CLUSTER_NODES;
  if (external) return { nodes: external.split(',').map((n) => n.trim()), stop: async () => {} };
  const masters = options.masters ?? 3;
  const procs: RedisProcess[] = [];
  try {
    for (let i = 0; i < masters; i++) {
      const proc = new RedisProcess(await freePortPair(10_000), [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        'nodes.conf',
        '--cluster-node-timeout',
        '5000',
      ]);
      procs.push(proc);
      await proc.start();
    }
    const nodes = procs.map((p) => `127.0.0.1:${p.port}`);
    await run('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes']);
    await waitForClusterOk(procs.map((p) => p.port));
    return { nodes, stop: async () => void (await Promise.all(procs.map((p) => p.destroy()))) };
  } catch (error) {
    await Promise.all(procs.map((p) => p.destroy()));
    throw new Error(
      `cannot start a Redis Cluster: ${(error as Error).message}. Install redis-server/redis-tools or set REDIS_CLUSTER_NODES.`,
    );
  }
}

async function waitForClusterOk(ports: number[]): Promise<void> {
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
