import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type CacheClient, createCacheClient, type Reading } from '@org/cache-client';
import {
  pauseRedis,
  type RedisClusterServer,
  type RedisServer,
  startRedis,
  startRedisCluster,
} from '@org/cache-testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReplicaWait } from './replica-wait.js';

const run = promisify(execFile);
let cluster: RedisClusterServer;
let redis: RedisServer;
const clients: CacheClient[] = [];

beforeAll(async () => {
  [cluster, redis] = await Promise.all([
    startRedisCluster({ masters: 3, replicas: 1, args: ['--enable-debug-command', 'yes'] }),
    startRedis(),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await cluster?.stop();
  await redis?.stop();
});

function readings(n: number, second: number): Reading[] {
  return Array.from({ length: n }, (_, i) => ({
    device_id: `rw-${i}`,
    index: 'T',
    timestamp: new Date(Date.UTC(2025, 0, 1, 0, 0, second)).toISOString().replace('Z', '000Z'),
    request_id: `r-${i}`,
    values: [i],
    labels: null,
    display_names: null,
    metadata: null,
  }));
}

describe.skipIf(process.env.REDIS_CLUSTER_NODES)('ReplicaWait', () => {
  it('is on by default for Redis Cluster, off for standalone Redis and for replicas: 0', () => {
    const onCluster = createCacheClient({ transport: 'redis', clusterNodes: cluster.nodes });
    const standalone = createCacheClient({ transport: 'redis', url: redis.url });
    clients.push(onCluster, standalone);
    expect(ReplicaWait.forClient(onCluster, null)).toBeInstanceOf(ReplicaWait);
    expect(ReplicaWait.forClient(onCluster, { replicas: 0, timeoutMs: 100 })).toBeNull();
    expect(ReplicaWait.forClient(standalone, undefined)).toBeNull();
    expect(ReplicaWait.forClient(createCacheClient({ transport: 'memory' }), null)).toBeNull();
  });

  it('waits for the replicas after the write; replicas that do not answer in time are a logged shortfall, not a failure', async () => {
    const client = createCacheClient({ transport: 'redis', clusterNodes: cluster.nodes, keyPrefix: 'rw:' });
    clients.push(client);
    const wait = ReplicaWait.forClient(client, { replicas: 1, timeoutMs: 300 })!;
    const result = await wait.around(() => client.transport.upsertReadings(readings(300, 1)));
    expect(result.written).toBe(300);
    expect(wait.stats).toEqual({ waits: 1, shortfalls: 0 });

    // every replica asleep for 1.5 s: the masters' WAIT answers 0 after its timeout
    const ports = cluster.processes.map((p) => p.port);
    const roles = await Promise.all(
      ports.map(async (port) => (await run('redis-cli', ['-p', String(port), 'role'])).stdout),
    );
    const replicas = ports.filter((_, i) => roles[i]!.startsWith('slave'));
    expect(replicas).toHaveLength(3);
    const asleep = Promise.all(replicas.map((port) => pauseRedis(port, 1_500, 'debug-sleep')));
    await new Promise((r) => setTimeout(r, 100));
    const second = await wait.around(() => client.transport.upsertReadings(readings(300, 2)));
    expect(second.written).toBe(300);
    expect(wait.stats).toEqual({ waits: 2, shortfalls: 1 });
    await asleep;
    const third = await wait.around(() => client.transport.upsertReadings(readings(300, 3)));
    expect(third.written).toBe(300);
    expect(wait.stats).toEqual({ waits: 3, shortfalls: 1 });
  });

  it('a standalone Redis without replicas, when asked to wait: a shortfall after the timeout', async () => {
    const client = createCacheClient({ transport: 'redis', url: redis.url, keyPrefix: 'rw1:' });
    clients.push(client);
    const wait = ReplicaWait.forClient(client, { replicas: 1, timeoutMs: 50 })!;
    await wait.around(() => client.transport.upsertReadings(readings(10, 1)));
    expect(wait.stats).toEqual({ waits: 1, shortfalls: 1 });
  });
});
