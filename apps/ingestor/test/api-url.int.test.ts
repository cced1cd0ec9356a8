/**
 * `--from-file … --api-url`: the same replay, written through the cache REST API (apps/api's built
 * binary, run as a separate process) instead of straight to Redis. Skipped when that binary is not built.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createCacheClient } from '@org/cache-client';
import { fixtureLines, freePort, type RedisServer, startRedis } from '@org/cache-testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BIN } from './child.js';
import { uniqueName, waitFor } from './helpers.js';

const API_BIN = new URL('../../api/dist/bin/cache-api.js', import.meta.url).pathname;
const TOKEN = 'tok-ingestor-0123456789abcdef';
/** Valid, but without the devices:write scope. */
const READ_ONLY_TOKEN = 'tok-reader-0123456789abcdef01';

let redis: RedisServer;
let api: ChildProcess | undefined;
let apiUrl: string;
const prefix = `${uniqueName('api')}:`;

beforeAll(async () => {
  if (!existsSync(API_BIN)) return;
  redis = await startRedis();
  const port = await freePort();
  apiUrl = `http://127.0.0.1:${port}`;
  api = spawn(process.execPath, [API_BIN], {
    env: {
      PATH: process.env.PATH ?? '',
      API_HOST: '127.0.0.1',
      API_PORT: String(port),
      REDIS_URL: redis.url,
      KEY_PREFIX: prefix,
      // Stricter than the ingestor's default (300 s): the API refuses what the ingestor let through.
      MAX_FUTURE_SKEW: '60',
      API_TOKENS: JSON.stringify([
        { service_id: 'ingestor', token: TOKEN },
        { service_id: 'reader', token: READ_ONLY_TOKEN, scopes: ['cache:read'] },
      ]),
      LOG_LEVEL: 'warn',
    },
    stdio: 'ignore',
  });
  await waitFor(async () => (await fetch(`${apiUrl}/health`)).status < 500, 15_000, 'the API answers');
});

afterAll(async () => {
  api?.kill('SIGTERM');
  await redis?.stop();
});

function run(args: string[], env: Record<string, string>, stdin: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe('--api-url', () => {
  test.skipIf(!existsSync(API_BIN))('replays a file through the REST API', { timeout: 30_000 }, async () => {
    const input = [...fixtureLines('validated-output.ndjson'), 'not json'].join('\n');
    const r = await run(['--from-file', '-', '--api-url', apiUrl], { CACHE_API_TOKEN: TOKEN }, input);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ read: 10, written: 8, stale: 1, invalid: 1 });
    const devices = createCacheClient({ transport: 'redis', url: redis.url, keyPrefix: prefix });
    try {
      expect((await devices.getReadings('282c02424eed', 'T'))[0]?.values).toEqual([21.4]);
      expect(await devices.listIndexes('station_123')).toEqual(['H', 'T', 'W']);
    } finally {
      await devices.close();
    }
  });

  test.skipIf(!existsSync(API_BIN))(
    "a reading the API refuses (its skew is stricter) becomes one error record with the API's reason; the others are written",
    { timeout: 30_000 },
    async () => {
      const at = (device: string, timestamp: string, value: number) =>
        JSON.stringify({ device_id: device, timestamp, index: 'T', values: [value] });
      const input = [
        at('api-a', '2025-06-25T08:00:00', 1),
        at('api-ahead', new Date(Date.now() + 200_000).toISOString(), 2),
        at('api-b', '2025-06-25T08:00:00', 3),
        at('api-c', '2025-06-25T08:00:00', 4),
      ].join('\n');
      const r = await run(['--from-file', '-', '--api-url', apiUrl], { CACHE_API_TOKEN: TOKEN }, input);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ read: 4, invalid: 1 });
      const records = r.stderr
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .filter((l) => l.service === 'cache_service' && 'error_code' in l);
      expect(records).toEqual([
        expect.objectContaining({
          line: 2,
          error_code: 'timestamp_in_future',
          original_message: input.split('\n')[1],
        }),
      ]);
      const devices = createCacheClient({ transport: 'redis', url: redis.url, keyPrefix: prefix });
      try {
        for (const [id, v] of [
          ['api-a', 1],
          ['api-b', 3],
          ['api-c', 4],
        ] as const)
          expect((await devices.getReadings(id, 'T'))[0]?.values).toEqual([v]);
        expect(await devices.getReadings('api-ahead')).toEqual([]);
      } finally {
        await devices.close();
      }
    },
  );

  test.skipIf(!existsSync(API_BIN))(
    'a refused token stops the replay at once with exit 2, naming CACHE_API_TOKEN (401 and 403), no retries',
    { timeout: 30_000 },
    async () => {
      const input = fixtureLines('validated-output.ndjson').join('\n');
      for (const [token, pattern] of [
        ['wrong-token-0123456789abcdef', /refused the credentials .*AUTH_001.*CACHE_API_TOKEN/],
        [READ_ONLY_TOKEN, /AUTH_002.*CACHE_API_TOKEN lacks the devices:write scope/],
      ] as const) {
        const started = Date.now();
        const r = await run(['--from-file', '-', '--api-url', apiUrl], { CACHE_API_TOKEN: token }, input);
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr).toMatch(pattern);
        expect(r.stderr).not.toMatch(/retrying/);
        expect(r.stdout).toBe('');
        expect(Date.now() - started).toBeLessThan(10_000);
      }
    },
  );

  test('is refused without --from-file, or when it is not an http(s) URL', async () => {
    expect((await run(['--api-url', 'http://x'], {}, '')).code).toBe(2);
    expect((await run(['--from-file', '-', '--api-url', 'ftp://x'], {}, '')).code).toBe(2);
  });
});
