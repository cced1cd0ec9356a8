import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { RedisClusterServer } from './start-redis-cluster.js';

const run = promisify(execFile);

async function cli(port: number, ...args: string[]): Promise<string> {
  return (await run('redis-cli', ['-p', String(port), ...args])).stdout;
}

export interface Failover {
  /** Port of the master that was killed. */
  killed: number;
  /** Port of its replica, now a master. */
  promoted: number;
  /** From the kill until the replica was master and every surviving node said cluster_state:ok. */
  ms: number;
}

/**
 * Kills a master of a spawned cluster with SIGKILL (a crash, no failover handshake) and waits
 * until one of its replicas is promoted and every surviving node reports `cluster_state:ok`.
 * `masterPort` picks the master (default: the first spawned master).
 */
export async function killMaster(
  cluster: RedisClusterServer,
  masterPort?: number,
  timeoutMs = 30_000,
): Promise<Failover> {
  const target = cluster.processes.find((p) => p.port === (masterPort ?? cluster.processes[0]?.port));
  if (!target) throw new Error('killMaster needs a spawned cluster (not REDIS_CLUSTER_NODES)');
  const id = (await cli(target.port, 'cluster', 'myid')).trim();
  const replicaPorts = (await cli(target.port, 'cluster', 'nodes'))
    .split('\n')
    .filter((line) => line.includes('slave') && line.split(' ')[3] === id)
    .map((line) => Number(/:(\d+)@/.exec(line)?.[1]));
  if (replicaPorts.length === 0) throw new Error(`master ${target.port} has no replica`);
  const start = Date.now();
  await target.stop('SIGKILL');
  const survivors = cluster.processes.filter((p) => p !== target).map((p) => p.port);
  for (;;) {
    const roles = await Promise.all(replicaPorts.map((port) => cli(port, 'role').catch(() => '')));
    const promoted = replicaPorts.find((_, i) => roles[i]!.startsWith('master'));
    if (promoted !== undefined) {
      const states = await Promise.all(survivors.map((port) => cli(port, 'cluster', 'info').catch(() => '')));
      if (states.every((s) => s.includes('cluster_state:ok')))
        return { killed: target.port, promoted, ms: Date.now() - start };
    }
    if (Date.now() - start > timeoutMs)
      throw new Error(`no replica of ${target.port} was promoted within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export type PauseMode = 'client-pause' | 'debug-sleep';

/**
 * Makes a Redis on `port` stop answering for `ms`: `client-pause` sends `CLIENT PAUSE ms ALL`
 * (the server holds every client's commands, and answers them afterwards); `debug-sleep` sends
 * `DEBUG SLEEP` (the server itself blocks; needs `--enable-debug-command yes`, Redis >= 7).
 * Resolves when the pause is over.
 */
export async function pauseRedis(port: number, ms: number, mode: PauseMode = 'client-pause'): Promise<void> {
  if (mode === 'client-pause') {
    const answer = await cli(port, 'client', 'pause', String(ms), 'ALL');
    if (!answer.startsWith('OK')) throw new Error(`CLIENT PAUSE refused: ${answer}`);
    await new Promise((r) => setTimeout(r, ms));
    return;
  }
  const answer = await cli(port, 'debug', 'sleep', String(ms / 1000));
  if (!answer.startsWith('OK')) throw new Error(`DEBUG SLEEP refused (enable-debug-command?): ${answer}`);
}
