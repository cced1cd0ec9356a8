import { afterEach, describe, expect, test } from 'vitest';
import { HealthState } from './health.js';
import { type OpsServer, startOpsServer } from './http-server.js';
import { IngestorMetrics } from './metrics.js';

let server: OpsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(probeOk = true) {
  const health = new HealthState();
  const metrics = new IngestorMetrics();
  server = await startOpsServer({
    host: '127.0.0.1',
    port: 0,
    health,
    metrics,
    probe: async () => ({ redis_ping: { ok: probeOk, severity: 'degraded', message: 'ping', since: '' } }),
  });
  const get = async (path: string) => {
    const res = await fetch(`http://127.0.0.1:${server!.port}${path}`);
    return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
  };
  return { health, metrics, get };
}

describe('ops server', () => {
  test('ready is 200 when healthy, 503 with status degraded while a dependency is down', async () => {
    const { health, get } = await start();
    health.set('kafka', true, 'member');
    expect(await get('/health/ready')).toMatchObject({
      status: 200,
      body: expect.stringContaining('"status":"healthy"'),
    });
    health.set('redis', false, 'redis writes are failing');
    const degraded = await get('/health/ready');
    expect(degraded.status).toBe(503);
    expect(JSON.parse(degraded.body)).toMatchObject({ status: 'degraded', checks: { redis: { ok: false } } });
    expect((await get('/health/live')).status).toBe(200);
    health.fail('consumer crashed');
    expect(await get('/health/live')).toMatchObject({
      status: 503,
      body: expect.stringContaining('consumer crashed'),
    });
  });

  test('the Redis probe is part of readiness', async () => {
    const { health, get } = await start(false);
    health.set('kafka', true, 'member');
    const r = await get('/health/ready');
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body)).toMatchObject({ status: 'degraded', checks: { redis_ping: { ok: false } } });
  });

  test('/metrics is Prometheus text with the ingestor counters; unknown paths are 404', async () => {
    const { metrics, get } = await start();
    metrics.consumed.inc(3);
    metrics.lag.set({ topic: 't', partition: '0' }, 7);
    const m = await get('/metrics');
    expect(m.status).toBe(200);
    expect(m.type).toContain('text/plain');
    expect(m.body).toContain('ingestor_messages_consumed_total 3');
    expect(m.body).toContain('ingestor_consumer_lag{topic="t",partition="0"} 7');
    expect(m.body).toContain('ingestor_batch_duration_seconds_bucket');
    expect(m.body).toContain('ingestor_redis_write_duration_seconds_bucket');
    const icd = await get('/health/metrics');
    expect(icd.status).toBe(200);
    expect(icd.body).toContain('ingestor_messages_consumed_total 3');
    expect((await get('/nope')).status).toBe(404);
  });
});
