/**
 * The built `cache-cli`, run as a subprocess against a real Redis and the real API (its built
 * server entry, over the same Redis): every command, over both transports.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CacheClient,
  type CacheEntry,
  createCacheClient,
  type DevicePage,
  type Reading,
} from '@org/cache-client';
import { fixtureReadings, freePort, type RedisServer, startRedis } from '@org/cache-testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiProcess, runCli, startApiProcess } from './test/run-cli.js';

const TOKEN = 'cli-test-token-0123456789abcdef';
const PREFIX = `cli-test-${process.pid}:`;
const DEVICES = ['2207001', '282c02424eed', 'gw-lyon-01/port-3', 'station_123'];

let redis: RedisServer;
let api: ApiProcess;
let seed: CacheClient;
const tempDirs: string[] = [];
const tempDir = (name: string) => {
  const dir = mkdtempSync(join(tmpdir(), `cache-cli-${name}-`));
  tempDirs.push(dir);
  return dir;
};
const home = tempDir('home');

beforeAll(async () => {
  redis = await startRedis();
  seed = createCacheClient({ transport: 'redis', url: redis.url, keyPrefix: PREFIX });
  await seed.upsertReadings(fixtureReadings());
  api = await startApiProcess(await freePort(), {
    REDIS_URL: redis.url,
    KEY_PREFIX: PREFIX,
    API_TOKENS: `cli-tests:${TOKEN}`,
    RATE_LIMIT_ENABLED: 'false',
  });
});

afterAll(async () => {
  await api?.stop();
  await seed?.close();
  await redis?.stop();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A one-line error on stderr, without a stack trace. */
function expectOneLineError(stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^cache-cli: /);
  expect(lines[0]).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at /);
}

const transports = [
  { name: 'http', args: () => ['--api-url', api.url, '--token', TOKEN] },
  { name: 'redis', args: () => ['--redis-url', redis.url, '--key-prefix', PREFIX] },
] as const;

describe.each(transports)('cache-cli over $name', ({ name, args }) => {
  const tenant = `t-${name}`;
  const cli = (rest: string[], options?: Parameters<typeof runCli>[2]) =>
    runCli(home, [...args(), ...rest], options);

  it('health: healthy, exit 0', async () => {
    const r = await cli(['health', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json<{ status: string }>().status).toBe('healthy');
    const table = await cli(['health']);
    expect(table.stdout).toMatch(/^status\s+healthy$/m);
    expect(table.stdout).not.toContain('\u001b['); // not a TTY: no colours
  });

  it('info: cache statistics', async () => {
    const r = await cli(['info', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ total_devices: 4, backend: 'redis', key_prefix: PREFIX });
    expect((await cli(['info'])).stdout).toMatch(/^total_devices\s+4$/m);
  });

  it('list: an aligned table of every device', async () => {
    const r = await cli(['list']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^DEVICE_ID\s+UPDATED_AT\s+EXPIRES_AT$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(DEVICES);
    const column = lines[0]!.indexOf('UPDATED_AT');
    for (const line of lines.slice(1)) expect(line.slice(column)).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('list: pages with --limit and --cursor, a hint on stderr', async () => {
    const first = await cli(['list', '--limit', '3', '--json']);
    const page1 = first.json<DevicePage>();
    expect(page1.devices.map((d) => d.device_id)).toEqual(DEVICES.slice(0, 3));
    expect(page1.next_cursor).toEqual(expect.any(String));
    const second = (
      await cli(['list', '--limit', '3', '--cursor', page1.next_cursor!, '--json'])
    ).json<DevicePage>();
    expect(second.devices.map((d) => d.device_id)).toEqual(DEVICES.slice(3));
    const table = await cli(['list', '--limit', '3']);
    expect(table.stderr).toContain(`more: cache-cli list --cursor ${page1.next_cursor}`);
  });

  it('list --all follows every page (json and streaming ndjson); --pattern filters', async () => {
    const all = (await cli(['list', '--all', '--limit', '1', '--json'])).json<DevicePage>();
    expect(all.devices.map((d) => d.device_id)).toEqual(DEVICES);
    expect(all.next_cursor).toBeNull();
    const nd = await cli(['list', '--all', '--limit', '2', '--ndjson']);
    expect(nd.code).toBe(0);
    expect(nd.stderr).toBe(''); // no progress and no hints when stderr is not a terminal
    expect(
      nd.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).device_id),
    ).toEqual(DEVICES);
    const matched = (await cli(['list', '--pattern', 'gw-*', '--json'])).json<DevicePage>();
    expect(matched.devices.map((d) => d.device_id)).toEqual(['gw-lyon-01/port-3']);
  });

  it('get: metadata, and readings with --readings', async () => {
    const r = await cli(['get', '282c02424eed', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ device_id: '282c02424eed', datatype_name: 'Paramètres Texte' });
    const withReadings = (await cli(['get', '282c02424eed', '--readings', '--json'])).json<{
      metadata: { device_id: string };
      readings: Reading[];
    }>();
    expect(withReadings.metadata.device_id).toBe('282c02424eed');
    expect(withReadings.readings.map((x) => x.index)).toEqual(['P', 'T', 'U']);
    const table = await cli(['get', 'gw-lyon-01/port-3', '--readings']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^device_id\s+gw-lyon-01\/port-3$/m);
    expect(table.stdout).toMatch(/^INDEX\s+TIMESTAMP/m);
  });

  it('get: a missing device is exit 3 with one line', async () => {
    const r = await cli(['get', 'no-such-device']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expectOneLineError(r.stderr, /device "no-such-device" not found/);
  });

  it('readings: every index, one index, a missing index', async () => {
    const all = (await cli(['readings', '282c02424eed', '--json'])).json<Reading[]>();
    expect(all.map((x) => x.index)).toEqual(['P', 'T', 'U']);
    const t = await cli(['readings', '282c02424eed', 'T', '--ndjson']);
    expect(t.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(JSON.parse(t.stdout)).toMatchObject({ index: 'T', values: [21.4] });
    const missing = await cli(['readings', '282c02424eed', 'ZZ']);
    expect(missing.code).toBe(3);
    expectOneLineError(missing.stderr, /no reading with index "ZZ"/);
    expect((await cli(['readings', 'no-such-device'])).code).toBe(3);
  });

  it('indexes: the indexes of a device; exit 3 for an unknown one', async () => {
    expect((await cli(['indexes', '282c02424eed', '--json'])).json()).toEqual(['P', 'T', 'U']);
    expect((await cli(['indexes', '282c02424eed'])).stdout).toBe('P\nT\nU\n');
    expect((await cli(['indexes', 'no-such-device'])).code).toBe(3);
  });

  it('kv set (JSON, @file, @-, --ttl) and kv get', async () => {
    const set = await cli([
      'kv',
      'set',
      'user:1',
      '{"name":"Ada"}',
      '--tenant',
      tenant,
      '--ttl',
      '600',
      '--json',
    ]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.json<CacheEntry>()).toMatchObject({ key: 'user:1', value: { name: 'Ada' }, ttl: 600 });
    const file = join(home, `value-${name}.json`);
    writeFileSync(file, '{"from":"file"}');
    expect((await cli(['kv', 'set', 'user:2', `@${file}`, '-t', tenant])).code).toBe(0);
    expect((await cli(['kv', 'set', 'session:1', '@-', '-t', tenant], { input: '[1,2,3]' })).code).toBe(0);
    expect((await cli(['kv', 'get', 'user:2', '-t', tenant, '--json'])).json<CacheEntry>().value).toEqual({
      from: 'file',
    });
    // --ttl 0: never expires (in a tenant of its own, see the note on listing below).
    expect((await cli(['kv', 'set', 'forever', '1', '-t', `${tenant}-forever`, '--ttl', '0'])).code).toBe(0);
    const got = (await cli(['kv', 'get', 'forever', '-t', `${tenant}-forever`, '--json'])).json<CacheEntry>();
    expect(got).toMatchObject({ value: 1, ttl: null, expires_at: null });
    const dry = await cli(['kv', 'del', 'forever', '-t', `${tenant}-forever`, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(
      (await cli(['kv', 'clear-tenant', '-t', `${tenant}-forever`, '--yes', '--json'])).json(),
    ).toMatchObject({
      deleted: 1,
    });
    expect((await cli(['kv', 'get', 'session:1', '-t', tenant, '--json'])).json<CacheEntry>().value).toEqual([
      1, 2, 3,
    ]);
    const table = await cli(['kv', 'get', 'user:1', '-t', tenant]);
    expect(table.stdout).toMatch(/^value\s+\{"name":"Ada"\}$/m);
  });

  it('kv get of a missing key is exit 3; other tenants do not see the key', async () => {
    const r = await cli(['kv', 'get', 'nope', '--tenant', tenant]);
    expect(r.code).toBe(3);
    expectOneLineError(r.stderr, /key "nope" not found in tenant/);
    expect((await cli(['kv', 'get', 'user:1', '--tenant', `${tenant}-other`])).code).toBe(3);
  });

  it('kv keys and kv stats', async () => {
    expect((await cli(['kv', 'keys', '-t', tenant, '--json'])).json<string[]>().sort()).toEqual([
      'session:1',
      'user:1',
      'user:2',
    ]);
    expect((await cli(['kv', 'keys', 'user:*', '-t', tenant, '--json'])).json<string[]>().sort()).toEqual([
      'user:1',
      'user:2',
    ]);
    expect((await cli(['kv', 'stats', '-t', tenant, '--json'])).json()).toMatchObject({ tenant, keys: 3 });
  });

  it('kv del: refused without --yes when stdin is not a terminal (exit 2), previewed with --dry-run', async () => {
    const refused = await cli(['kv', 'del', 'user:1', '-t', tenant]);
    expect(refused.code).toBe(2);
    expectOneLineError(refused.stderr, /refusing to run "kv del" without confirmation.*--yes/);
    const dry = await cli(['kv', 'del', 'user:1', '-t', tenant, '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.json()).toMatchObject({ dry_run: true, would_delete: 1, keys: ['user:1'] });
    expect((await cli(['kv', 'get', 'user:1', '-t', tenant])).code).toBe(0); // still there
    expect((await cli(['kv', 'del', 'nope', '-t', tenant, '--dry-run'])).code).toBe(3);
  });

  it('kv del --yes deletes; deleting again is exit 3', async () => {
    const r = await cli(['kv', 'del', 'user:1', '-t', tenant, '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toEqual({ tenant, key: 'user:1', deleted: true });
    expect((await cli(['kv', 'get', 'user:1', '-t', tenant])).code).toBe(3);
    expect((await cli(['kv', 'del', 'user:1', '-t', tenant, '--yes'])).code).toBe(3);
  });

  it('kv invalidate: refused, dry run, then deleted', async () => {
    await cli(['kv', 'set', 'user:3', '3', '-t', tenant]);
    expect((await cli(['kv', 'invalidate', 'user:*', '-t', tenant])).code).toBe(2);
    const dry = (await cli(['kv', 'invalidate', 'user:*', '-t', tenant, '-n', '--json'])).json<{
      keys: string[];
    }>();
    expect(dry.keys.sort()).toEqual(['user:2', 'user:3']);
    const r = await cli(['kv', 'invalidate', 'user:*', '-t', tenant, '-y', '--json']);
    expect(r.json()).toEqual({ tenant, pattern: 'user:*', deleted: 2 });
    expect((await cli(['kv', 'keys', '-t', tenant, '--json'])).json()).toEqual(['session:1']);
  });

  it('kv clear-tenant: refused, dry run, then cleared', async () => {
    const refused = await cli(['kv', 'clear-tenant', '-t', tenant]);
    expect(refused.code).toBe(2);
    expectOneLineError(refused.stderr, /refusing to run "kv clear-tenant"/);
    const dry = await cli(['kv', 'clear-tenant', '-t', tenant, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain('would delete all 1 key of tenant');
    expect((await cli(['kv', 'clear-tenant', '-t', tenant, '--yes', '--json'])).json()).toEqual({
      tenant,
      deleted: 1,
    });
    expect((await cli(['kv', 'stats', '-t', tenant, '--json'])).json()).toMatchObject({ keys: 0 });
  });

  it('usage errors are exit 2 with one line', async () => {
    for (const bad of [
      ['list', '--limit', '0'],
      ['list', '--sort', 'size'],
      ['get'],
      ['frobnicate'],
      ['kv', 'get', 'k'], // no tenant
      ['kv', 'set', 'k', 'not json', '-t', tenant],
      ['kv', 'set', 'k', '1', '-t', tenant, '--ttl', '-5'],
      ['get', 'bad\u0001id'],
      ['info', '--json', '--ndjson'],
    ]) {
      const r = await cli(bad);
      expect(r.code, `${bad.join(' ')}: ${r.stderr}`).toBe(2);
      expectOneLineError(r.stderr, /./);
    }
  });
});

describe('cache-cli settings and failures', () => {
  it('--help of every command shows examples; --version', { timeout: 120_000 }, async () => {
    const commands = [
      [],
      ['list'],
      ['get'],
      ['readings'],
      ['indexes'],
      ['info'],
      ['health'],
      ['kv'],
      ['kv', 'get'],
      ['kv', 'set'],
      ['kv', 'del'],
      ['kv', 'invalidate'],
      ['kv', 'clear-tenant'],
      ['kv', 'keys'],
      ['kv', 'stats'],
      ['config'],
      ['config', 'path'],
      ['config', 'show'],
    ];
    // Four at a time: 19 Node processes at once starve a loaded 2-core machine past runCli's timeout.
    const results: Awaited<ReturnType<typeof runCli>>[] = [];
    for (let i = 0; i < commands.length; i += 4) {
      const slice = commands.slice(i, i + 4);
      results.push(...(await Promise.all(slice.map((c) => runCli(home, [...c, '--help'])))));
    }
    results.forEach((r, i) => {
      expect(r.code, commands[i]!.join(' ')).toBe(0);
      expect(r.stdout, commands[i]!.join(' ')).toContain('Examples:');
      expect(r.stdout).toMatch(/\$ cache-cli /);
    });
    expect((await runCli(home, ['--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('no command: help on stderr, exit 2', async () => {
    const r = await runCli(home, []);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage: cache-cli');
  });

  it('reads CACHE_API_URL, CACHE_API_TOKEN and REDIS_URL from the environment', async () => {
    const viaApi = await runCli(home, ['info', '--json'], {
      env: { CACHE_API_URL: api.url, CACHE_API_TOKEN: TOKEN },
    });
    expect(viaApi.code, viaApi.stderr).toBe(0);
    expect(viaApi.json()).toMatchObject({ total_devices: 4 });
    const viaRedis = await runCli(home, ['--key-prefix', PREFIX, 'indexes', 'station_123', '--json'], {
      env: { REDIS_URL: redis.url },
    });
    expect(viaRedis.code, viaRedis.stderr).toBe(0);
  });

  it('a missing or wrong token is exit 1 with the API error code', async () => {
    const r = await runCli(home, ['--api-url', api.url, 'info']);
    expect(r.code).toBe(1);
    expectOneLineError(r.stderr, /\[AUTH_001\]/);
    expect(
      (await runCli(home, ['--api-url', api.url, '--token', 'wrong-token-0123456789', 'info'])).code,
    ).toBe(1);
  });

  it('an unreachable API or Redis is exit 1, one line; --verbose adds the stack', async () => {
    const port = await freePort();
    const api1 = await runCli(home, ['--api-url', `http://127.0.0.1:${port}`, '--timeout', '2000', 'list']);
    expect(api1.code).toBe(1);
    expectOneLineError(api1.stderr, /unreachable.*\[CACHE_006\]/);
    const redis1 = await runCli(home, ['--redis-url', `redis://127.0.0.1:${port}`, 'info']);
    expect(redis1.code).toBe(1);
    expectOneLineError(redis1.stderr, /\[CACHE_006\]/);
    const verbose = await runCli(home, ['--redis-url', `redis://127.0.0.1:${port}`, 'info', '--verbose']);
    expect(verbose.code).toBe(1);
    expect(verbose.stderr).toMatch(/\n\s+at /);
    const health = await runCli(home, ['--api-url', `http://127.0.0.1:${port}`, 'health', '--json']);
    expect(health.code).toBe(1);
    expect(health.json()).toMatchObject({ status: 'unhealthy' });
  });

  it('takes defaults from $XDG_CONFIG_HOME/cache-cli/config.json; flags win', async () => {
    const xdgHome = tempDir('xdg');
    mkdirSync(join(xdgHome, '.config', 'cache-cli'), { recursive: true });
    writeFileSync(
      join(xdgHome, '.config', 'cache-cli', 'config.json'),
      JSON.stringify({ apiUrl: api.url, token: TOKEN, tenant: 'from-config', output: 'json' }),
    );
    const set = await runCli(xdgHome, ['kv', 'set', 'k', '"v"']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.json()).toMatchObject({ key: 'k', value: 'v' }); // output: json from the file
    expect(await seed.forTenant('from-config').get('k')).toMatchObject({ value: 'v' });
    const shown = (await runCli(xdgHome, ['config', 'show'])).json();
    expect(shown).toMatchObject({
      transport: 'http',
      target_source: 'config apiUrl',
      token: 'set',
      tenant: 'from-config',
    });
    expect(JSON.stringify(shown)).not.toContain(TOKEN);
    const flag = (await runCli(xdgHome, ['config', 'show', '--redis-url', 'redis://x:1'])).json();
    expect(flag).toMatchObject({ transport: 'redis', target_source: '--redis-url' });
    expect((await runCli(xdgHome, ['config', 'path'])).json()).toEqual({
      path: join(xdgHome, '.config', 'cache-cli', 'config.json'),
      exists: true,
    });
  });

  it('a bad config file is exit 2 with one line naming it', async () => {
    const badHome = tempDir('bad');
    mkdirSync(join(badHome, '.config', 'cache-cli'), { recursive: true });
    writeFileSync(join(badHome, '.config', 'cache-cli', 'config.json'), '{"apiUrl": 42}');
    const r = await runCli(badHome, ['info']);
    expect(r.code).toBe(2);
    expectOneLineError(r.stderr, /config\.json: apiUrl/);
  });
});
