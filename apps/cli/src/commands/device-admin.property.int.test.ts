/**
 * Hostile input to `devices reset` and `devices future`, in process over a real Redis: any device
 * id (control characters, unpaired surrogates, glob and hash-tag characters, far too long) and any
 * `--after` text end in a one-line answer with exit 0, 2 (usage / invalid id) or 3 (not found),
 * never a crash or a stack trace, and never remove another device.
 */
import { PassThrough } from 'node:stream';
import { type CacheClient, createCacheClient } from '@org/cache-client';
import { type RedisServer, startRedis } from '@org/cache-testkit';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Io } from '../context.js';
import { run } from '../main.js';

const PREFIX = 'cli-prop:';
let redis: RedisServer;
let seed: CacheClient;

beforeAll(async () => {
  redis = await startRedis();
  seed = createCacheClient({ transport: 'redis', url: redis.url, keyPrefix: PREFIX });
  await seed.upsertReadings([
    {
      device_id: 'keep-me',
      index: 'T',
      timestamp: '2025-06-25T08:00:00.000000Z',
      request_id: null,
      values: [1],
      labels: null,
      display_names: null,
      metadata: null,
    },
  ]);
});

afterAll(async () => {
  await seed?.close();
  await redis?.stop();
});

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    stdin: Object.assign(new PassThrough(), { isTTY: false }),
    env: {
      apiUrl: undefined,
      token: undefined,
      redisUrl: undefined,
      configPath: '/nonexistent/cli.json',
      noColor: true,
    },
  };
  const code = await run(['--redis-url', redis.url, '--key-prefix', PREFIX, ...args], io);
  return { code, stdout, stderr };
}

const hostileId = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', minLength: 250, maxLength: 300 }),
  fc.constantFrom('', ' ', '{tag}', '*', '[a-', '\u0000', '\ud800', '../keep-me', 'keep-me*', 'keep-me\n'),
);

describe('devices reset / future with hostile input', () => {
  test('reset: exit 2 or 3 with one line, nothing else removed', async () => {
    await fc.assert(
      fc.asyncProperty(hostileId, fc.constantFrom('--dry-run', '--yes'), async (id, mode) => {
        fc.pre(id !== 'keep-me');
        const r = await cli(['devices', 'reset', mode, '--', id]);
        expect([2, 3]).toContain(r.code);
        expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
        expect(r.stderr).toMatch(/^cache-cli: /);
        expect(r.stderr).not.toMatch(/\n\s+at /);
      }),
      { numRuns: 150 },
    );
    expect((await seed.getReadings('keep-me', 'T'))[0]?.values).toEqual([1]);
  });

  test('future --after: any text is either a date (exit 0, JSON) or a usage error (exit 2)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 40 }),
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        ),
        async (after) => {
          const r = await cli(['devices', 'future', '--json', '--after', after]);
          expect([0, 2]).toContain(r.code);
          if (r.code === 0) expect(JSON.parse(r.stdout)).toMatchObject({ devices: expect.any(Array) });
          else expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
        },
      ),
      { numRuns: 150 },
    );
  });
});
