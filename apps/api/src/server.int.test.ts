import { type RedisServer, startRedis } from '@org/cache-testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestResponse } from './test/fixtures.js';
import { fetchJson } from './test/http.js';
import { runApiToExit, spawnApi } from './test/spawn-api.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

describe('the cache-api binary', () => {
  it('starts on the embedded store with the sample devices, says it is open, and stops cleanly on SIGTERM', async () => {
    const api = await spawnApi({});
    const devices = await fetchJson(`${api.url}/api/devices`);
    expect(devices.devices.map((d: { device_id: string }) => d.device_id)).toEqual([
      '2207001',
      '282c02424eed',
      'gw-lyon-01/port-3',
      'station_123',
    ]);
    const messages = api.logs.map((l) => String(l.msg));
    expect(messages.some((m) => m.includes('embedded in-memory store'))).toBe(true);
    const warning = api.logs.find((l) => String(l.msg).includes('AUTHENTICATION IS OFF'));
    expect(warning?.level).toBe('warn');
    api.child.kill('SIGTERM');
    expect(await api.exited).toBe(0);
    expect(api.logs.some((l) => l.msg === 'stopped')).toBe(true);
    expect(api.logs.some((l) => l.msg === 'request' && l.route === '/api/devices' && l.status === 200)).toBe(
      true,
    );
  });

  it('finishes an in-flight request before stopping (SIGINT)', async () => {
    const api = await spawnApi({});
    const body = JSON.stringify({ device_ids: Array.from({ length: 1000 }, (_, i) => `d-${i}`) });
    const half = body.length >> 1;
    let signalled!: () => void;
    const sent = new Promise<void>((resolve) => {
      signalled = resolve;
    });
    // The body arrives in two parts; the signal comes in between, while the request is in flight.
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(new TextEncoder().encode(body.slice(0, half)));
        await new Promise((r) => setTimeout(r, 200));
        api.child.kill('SIGINT');
        await new Promise((r) => setTimeout(r, 200));
        controller.enqueue(new TextEncoder().encode(body.slice(half)));
        controller.close();
        signalled();
      },
    });
    const pending = fetch(`${api.url}/api/devices/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    await sent;
    const answer = await pending;
    expect(answer.status).toBe(200);
    expect((await (answer as TestResponse).json()).not_found).toHaveLength(1000);
    expect(await api.exited).toBe(0);
    expect(api.logs.some((l) => String(l.msg).includes('draining'))).toBe(true);
  });

  it('starts empty with DEMO_DATA=false, and never preloads into Redis', async () => {
    const empty = await spawnApi({ DEMO_DATA: 'false' });
    expect((await fetchJson(`${empty.url}/api/devices`)).devices).toEqual([]);
    empty.child.kill('SIGTERM');
    await empty.exited;
    const onRedis = await spawnApi({
      REDIS_URL: redis.url,
      KEY_PREFIX: `bin-${process.pid}:`,
      DEMO_DATA: 'true',
    });
    expect((await fetchJson(`${onRedis.url}/api/devices`)).devices).toEqual([]);
    expect(onRedis.logs.some((l) => String(l.msg).includes('DEMO_DATA ignored'))).toBe(true);
    expect((await fetchJson(`${onRedis.url}/health/ready`)).backend).toBe('redis');
    onRedis.child.kill('SIGTERM');
    expect(await onRedis.exited).toBe(0);
  });

  it('requires tokens when configured and never logs them', async () => {
    const token = 'bin-token-0123456789abcdef';
    const api = await spawnApi({ API_TOKENS: `svc:${token}` });
    expect((await fetch(`${api.url}/api/devices`)).status).toBe(401);
    const ok = await fetch(`${api.url}/api/devices`, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    api.child.kill('SIGTERM');
    await api.exited;
    expect(JSON.stringify(api.logs)).not.toContain(token);
    expect(api.logs.some((l) => String(l.msg).includes('AUTHENTICATION IS OFF'))).toBe(false);
  });

  it('stops with one message naming every bad variable', async () => {
    const { code, stderr, stdout } = await runApiToExit({
      API_PORT: 'x',
      LOG_LEVEL: 'chatty',
      REDIS_URL: 'localhost',
    });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    for (const name of ['API_PORT', 'LOG_LEVEL', 'REDIS_URL']) expect(lines[0]).toContain(name);
  });

  it('stops naming the setting when the token file or JWT key is unusable', async () => {
    const missing = await runApiToExit({ API_TOKENS_FILE: '/nonexistent/tokens.json' });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('API_TOKENS_FILE');
    const badKey = await runApiToExit({
      JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----',
    });
    expect(badKey.code).toBe(1);
    expect(badKey.stdout).toContain('JWT_PUBLIC_KEY');
  });

  it('exits quietly when API_ENABLED=false', async () => {
    const { code, stdout } = await runApiToExit({ API_ENABLED: 'false' });
    expect(code).toBe(0);
    expect(stdout).toContain('disabled');
  });
});
