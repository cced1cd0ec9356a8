import { createCacheClient } from '@org/cache-client';
import { type RedisClusterServer, type RedisServer, startRedis, startRedisCluster } from '@org/cache-testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoReadings } from '../demo-data.js';
import { ApiMetrics } from '../metrics.js';
import { type ServedApp, serveApp } from '../test/serve.js';

/** `name{labels} value` lines of a Prometheus text exposition. */
function samples(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const out: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** Reads the device cache: one hit and one miss of devices, one hit and three misses of the tenant cache. */
async function readSome(url: string): Promise<void> {
  const device = encodeURIComponent(demoReadings()[0]!.device_id);
  expect((await fetch(`${url}/api/devices/${device}`)).status).toBe(200);
  expect((await fetch(`${url}/api/devices/nobody`)).status).toBe(404);
  const put = await fetch(`${url}/api/v2/cache/k1`, {
    method: 'PUT',
    headers: { 'x-tenant-id': 'acme', 'content-type': 'application/json' },
    body: JSON.stringify({ value: 1 }),
  });
  expect(put.status).toBe(201);
  for (const key of ['k1', 'k2', 'k3', 'k4'])
    await fetch(`${url}/api/v2/cache/${key}`, { headers: { 'x-tenant-id': 'acme' } });
}

/** Every name and label of the document's section 6.1, for the given nodes and roles. */
function expectIcdMetrics(text: string, nodes: Map<string, 'master' | 'replica'>): void {
  const all = samples(text);
  const of = (name: string) => all.filter((s) => s.name === name);
  expect(of('cache_hit_rate').map((s) => [s.labels, s.value])).toEqual(
    expect.arrayContaining([
      [{ service: 'cache-api', cache_type: 'device' }, 0.5],
      [{ service: 'cache-api', cache_type: 'kv' }, 0.25],
    ]),
  );
  const counts = new Map(of('cache_latency_count').map((s) => [s.labels.operation, s.value]));
  expect(counts.get('getDeviceMetadata')).toBe(2);
  expect(counts.get('set')).toBe(1);
  expect(counts.get('get')).toBe(4);
  expect(of('cache_latency_bucket').every((s) => s.labels.le !== undefined && s.labels.operation)).toBe(true);
  for (const name of ['cache_memory_usage', 'cache_node_status']) {
    const series = of(name);
    expect(new Map(series.map((s) => [s.labels.node, s.labels.role]))).toEqual(nodes);
    expect(series.every((s) => Object.keys(s.labels).sort().join() === 'node,role')).toBe(true);
  }
  expect(of('cache_node_status').every((s) => s.value === 1)).toBe(true);
  expect(of('cache_memory_usage').every((s) => s.value > 100_000)).toBe(true);
  const lag = of('cache_replication_lag');
  expect(new Set(lag.map((s) => s.labels.node))).toEqual(new Set(nodes.keys()));
  expect(lag.every((s) => Object.keys(s.labels).join() === 'node' && s.value >= 0)).toBe(true);
}

describe('the ICD metrics (GET /health/metrics and /metrics)', () => {
  let redis: RedisServer;
  let served: ServedApp;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await served?.stop();
    await redis?.stop();
  });

  it('on standalone Redis: every name and label, the one node a master', async () => {
    const client = createCacheClient({
      transport: 'redis',
      url: redis.url,
      keyPrefix: `icd-${process.pid}:`,
    });
    await client.upsertReadings(demoReadings());
    const metrics = new ApiMetrics({ nodeRefreshSeconds: 1 });
    served = await serveApp({ client, metrics, limits: { rateLimit: null } });
    await readSome(served.url);
    const answer = await fetch(`${served.url}/health/metrics`);
    expect(answer.status).toBe(200);
    const text = await answer.text();
    const { hostname, port } = new URL(redis.url);
    expectIcdMetrics(text, new Map([[`${hostname}:${port}`, 'master']]));
    // /metrics serves them beside the API's own
    const all = await (await fetch(`${served.url}/metrics`)).text();
    expect(all).toContain('cache_api_requests_total');
    expect(all).toContain('cache_node_status{node=');
    metrics.stop();
  });
});

describe('the ICD metrics refresh schedule', () => {
  let redis: RedisServer;
  let served: ServedApp;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await served?.stop();
    await redis?.stop();
  });

  it('reads INFO on its schedule, not per scrape: 30 scrapes within an interval cost one INFO', async () => {
    const client = createCacheClient({
      transport: 'redis',
      url: redis.url,
      keyPrefix: `icd-s-${process.pid}:`,
    });
    const metrics = new ApiMetrics({ nodeRefreshSeconds: 3_600 });
    served = await serveApp({ client, metrics, limits: { rateLimit: null } });
    const probe = new Redis(redis.url);
    const infoCalls = async () => {
      const stats = String(await probe.info('commandstats'));
      return Number(/cmdstat_info:calls=(\d+)/.exec(stats)?.[1] ?? 0);
    };
    const before = await infoCalls();
    for (let i = 0; i < 30; i++) {
      const answer = await fetch(`${served.url}/health/metrics`);
      expect(answer.status).toBe(200);
      await answer.text();
    }
    // the probe's own INFO commandstats counts too: one for the first read above, one now
    expect((await infoCalls()) - before).toBe(1 + 1);
    probe.disconnect();
    metrics.stop();
  });
});

describe('the ICD metrics on a Redis Cluster with a replica per master', () => {
  let cluster: RedisClusterServer;
  let served: ServedApp;
  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3, replicas: 1 });
  }, 120_000);
  afterAll(async () => {
    await served?.stop();
    await cluster?.stop();
  });

  it('labels each master and each replica with its role, and a lag for every node', async () => {
    const client = createCacheClient({
      transport: 'redis',
      clusterNodes: cluster.nodes,
      keyPrefix: `icd-cl-${process.pid}:`,
    });
    await client.upsertReadings(demoReadings());
    // the roles as the cluster itself says (CLUSTER NODES of any node)
    const probe = new Redis(cluster.nodes[0]!);
    const roles = new Map<string, 'master' | 'replica'>();
    for (const line of String(await probe.call('CLUSTER', 'NODES'))
      .trim()
      .split('\n')) {
      const [, address, flags] = line.split(' ');
      roles.set(address!.split('@')[0]!, flags!.includes('master') ? 'master' : 'replica');
    }
    probe.disconnect();
    expect([...roles.values()].filter((r) => r === 'replica')).toHaveLength(3);
    const metrics = new ApiMetrics({ nodeRefreshSeconds: 1 });
    served = await serveApp({ client, metrics, limits: { rateLimit: null } });
    await readSome(served.url);
    // ioredis learns the replicas from the slots map: the first scrape may precede it
    let text = '';
    for (let i = 0; i < 50; i++) {
      text = await (await fetch(`${served.url}/health/metrics`)).text();
      if (samples(text).filter((s) => s.name === 'cache_node_status').length === roles.size) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expectIcdMetrics(text, roles);
    metrics.stop();
  }, 60_000);
});
