import { Redis } from 'ioredis';
import { freePort } from '../ports.js';
import { RedisProcess } from './redis-process.js';

export interface ReplicatedRedisServer {
  /** `redis://127.0.0.1:PORT` of the master. */
  url: string;
  /** `redis://127.0.0.1:PORT` of the replica. */
  replicaUrl: string;
  master: RedisProcess;
  replica: RedisProcess;
  stop(): Promise<void>;
}

/**
 * A standalone master with one replica (`--replicaof`), both `redis-server` processes on free
 * ports; resolves once the master lists the replica as online (`connected_slaves:1`).
 * `replica.stop('SIGSTOP')`-style pauses are the test's business (see `pauseRedis`).
 */
export async function startReplicatedRedis(args: string[] = []): Promise<ReplicatedRedisServer> {
  const master = new RedisProcess(await freePort(), args);
  await master.start();
  const replica = new RedisProcess(await freePort(), [
    ...args,
    '--replicaof',
    '127.0.0.1',
    String(master.port),
  ]);
  try {
    await replica.start();
    const probe = new Redis(master.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await probe.connect();
      const deadline = Date.now() + 10_000;
      for (;;) {
        const info = await probe.info('replication');
        if (/connected_slaves:1/.test(info) && /slave0:.*state=online/.test(info)) break;
        if (Date.now() > deadline) throw new Error('the replica did not come online within 10 s');
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      probe.disconnect();
    }
  } catch (error) {
    await Promise.all([replica.destroy(), master.destroy()]);
    throw error;
  }
  return {
    url: `redis://127.0.0.1:${master.port}`,
    replicaUrl: `redis://127.0.0.1:${replica.port}`,
    master,
    replica,
    stop: async () => {
      await Promise.all([replica.destroy(), master.destroy()]);
    },
  };
}
