import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SpawnedApi, spawnApi } from './test/spawn-api.js';

const run = promisify(execFile);
let api: SpawnedApi;

/** Runs a documented curl command as written, against the started server instead of localhost:8080. */
async function curl(command: string): Promise<{ status: number; body: unknown }> {
  const args = (command.match(/'[^']*'|\S+/g) ?? []).slice(1).map((a) => a.replace(/^'|'$/g, ''));
  const url = new URL(api.url);
  const rewritten = args.map((a) => a.replace('localhost:8080', `${url.hostname}:${url.port}`));
  const { stdout } = await run('curl', ['-s', '-w', '\n%{http_code}', ...rewritten]);
  const lines = stdout.split('\n');
  const status = Number(lines.pop());
  const text = lines.join('\n');
  return { status, body: text ? JSON.parse(text) : null };
}

beforeAll(async () => {
  api = await spawnApi({});
});
afterAll(async () => {
  api?.child.kill('SIGTERM');
  await api?.exited;
});

describe("the seed's and README's curl examples, as written", () => {
  it('sets and reads a tenant key', async () => {
    const set = await curl(
      `curl -X POST localhost:8080/api/v1/cache -H 'X-Tenant-ID: acme' -H 'Content-Type: application/json' -d '{"key":"user:1","value":{"name":"Ada"},"ttl":300}'`,
    );
    expect(set.status).toBe(201);
    expect(set.body).toMatchObject({ key: 'user:1', tenant: 'acme', ttl: 300, version: 1 });
    const get = await curl(`curl localhost:8080/api/v1/cache/user:1 -H 'X-Tenant-ID: acme'`);
    expect(get.status).toBe(200);
    expect(get.body).toMatchObject({ key: 'user:1', value: { name: 'Ada' } });
    const del = await curl(`curl -X DELETE localhost:8080/api/v1/cache/user:1 -H 'X-Tenant-ID: acme'`);
    expect(del.body).toEqual({ key: 'user:1', deleted: true });
  });

  it("shows the sample devices on a newcomer's first requests", async () => {
    const list = await curl('curl localhost:8080/api/devices');
    expect(list.status).toBe(200);
    expect((list.body as { devices: unknown[] }).devices).toHaveLength(4);
    const readings = await curl('curl localhost:8080/api/devices/282c02424eed/readings');
    expect((readings.body as { readings: { index: string }[] }).readings.map((r) => r.index)).toEqual([
      'P',
      'T',
      'U',
    ]);
    const door = await curl('curl localhost:8080/api/devices/gw-lyon-01%2Fport-3');
    expect(door.body).toMatchObject({ device_id: 'gw-lyon-01/port-3' });
    const stats = await curl('curl localhost:8080/api/stats');
    expect(stats.body).toMatchObject({ total_devices: 4, backend: 'memory' });
    expect((await curl('curl localhost:8080/health')).body).toMatchObject({ status: 'healthy' });
  });

  it('answers the v2 examples with the envelope', async () => {
    const put = await curl(
      `curl -X PUT localhost:8080/api/v2/cache/greeting -H 'X-Tenant-ID: acme' -H 'Content-Type: application/json' -d '{"value":"hello","ttl":60}'`,
    );
    expect(put.status).toBe(201);
    const get = await curl(`curl localhost:8080/api/v2/cache/greeting -H 'X-Tenant-ID: acme'`);
    expect(get.body).toMatchObject({ status: 'success', data: 'hello', metadata: { version: 1 } });
    const miss = await curl(`curl localhost:8080/api/v2/cache/nothing -H 'X-Tenant-ID: acme'`);
    expect(miss.status).toBe(404);
    expect(miss.body).toMatchObject({
      error: { code: 'CACHE_001', details: { key: 'nothing', operation: 'get' } },
    });
  });
});
