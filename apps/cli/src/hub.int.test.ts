/**
 * `cache-cli hub`, the built binary against the built API (its message hub on a real nats-server,
 * over a real Redis): keygen → the API trusts the public key → signed actions applied; a foreign
 * key refused; no hub, a silent hub and no NATS each a clear error; bad input refused before
 * anything reaches NATS (also as a property, in process).
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { connect, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { type CacheClient, createCacheClient } from '@org/cache-client';
import {
  assertGlob,
  assertTenant,
  type ControlResultEvent,
  operatorPrivateKeyFromPem,
  operatorPublicKeyBase64,
} from '@org/cache-core';
import { freePort, type NatsServer, type RedisServer, startNats, startRedis } from '@org/cache-testkit';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Io } from './context.js';
import { run } from './main.js';
import { type ApiProcess, runCli, startApiProcess } from './test/run-cli.js';

const PREFIX = `cli-hub-${process.pid}:`;
let redis: RedisServer;
let nats: NatsServer;
let api: ApiProcess;
let seed: CacheClient;
let nc: NatsConnection;
let home: string;
let probe: Subscription;
let probed = 0;
let operatorKey: string;
let strangerKey: string;
let operatorPublic: string;

const file = (name: string) => join(home, name);

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'cache-cli-hub-'));
  [redis, nats] = await Promise.all([startRedis(), startNats()]);
  seed = createCacheClient({ transport: 'redis', url: redis.url, keyPrefix: PREFIX });
  const [operator, stranger] = await Promise.all([
    runCli(home, ['hub', 'keygen', '--out', file('operator.pem')]),
    runCli(home, ['hub', 'keygen', '--out', file('stranger.pem')]),
  ]);
  expect(operator.code, operator.stderr).toBe(0);
  expect(stranger.code, stranger.stderr).toBe(0);
  operatorKey = file('operator.pem');
  strangerKey = file('stranger.pem');
  operatorPublic = operator.stdout.trim();
  api = await startApiProcess(await freePort(), {
    REDIS_URL: redis.url,
    KEY_PREFIX: PREFIX,
    API_TOKENS: 'hub-tests:hub-test-token-0123456789',
    RATE_LIMIT_ENABLED: 'false',
    NATS_URL: nats.url,
    HUB_CONTROL_PUBLIC_KEYS: operatorPublic,
    HUB_HEALTH_INTERVAL_SECONDS: '0',
  });
  nc = await connect({ servers: nats.url });
  // nothing may arrive here: the subjects of the "refused before sending" runs
  probe = nc.subscribe('probe.>', {
    callback: () => {
      probed++;
    },
  });
  // the API answers /health/live before its hub subscribes: wait for the hub to answer (refused: unsigned)
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await nc.request('control.cache.action', new Uint8Array(), { timeout: 1_000 });
      break;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}, 60_000);

afterAll(async () => {
  probe?.unsubscribe();
  await nc?.close();
  await api?.stop();
  await seed?.close();
  await Promise.all([redis?.stop(), nats?.stop()]);
  rmSync(home, { recursive: true, force: true });
});

/** Runs `cache-cli hub <args> --key <key>`, with `--nats` the test's server unless the args name one. */
const hub = (args: string[], key = operatorKey) =>
  runCli(home, ['hub', ...args, '--key', key, ...(args.includes('--nats') ? [] : ['--nats', nats.url])]);

/** A command line in this process (`run` of main.ts; stdin a pipe, not a terminal): fast. */
async function cliInProcess(args: string[], terminal?: { answer: string }) {
  const out = { code: 0, stdout: '', stderr: '' };
  const stdin = new PassThrough();
  if (terminal) stdin.end(terminal.answer);
  const io: Io = {
    stdout: { write: (t: string) => (out.stdout += t) },
    stderr: { write: (t: string) => (out.stderr += t) },
    stdin: Object.assign(stdin, { isTTY: terminal !== undefined }),
    env: {
      apiUrl: undefined,
      token: undefined,
      redisUrl: undefined,
      configPath: '/nonexistent/cli.json',
      noColor: true,
    },
  };
  out.code = await run(args, io);
  return out;
}

/** `hub <args> --key <key> [--nats <the test's server>]` in this process. */
const hubInProcess = (args: string[], key = operatorKey, terminal?: { answer: string }) =>
  cliInProcess(
    ['hub', ...args, '--key', key, ...(args.includes('--nats') ? [] : ['--nats', nats.url])],
    terminal,
  );

/** A one-line error on stderr, without a stack trace. */
function expectOneLineError(stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^cache-cli: /);
  expect(lines[0]).toMatch(pattern);
}

describe('cache-cli hub keygen', () => {
  it('writes a 0600 PKCS8 Ed25519 key and prints its public key as HUB_CONTROL_PUBLIC_KEYS takes it', async () => {
    expect(statSync(operatorKey).mode & 0o777).toBe(0o600);
    const key = operatorPrivateKeyFromPem(readFileSync(operatorKey, 'utf8'));
    expect(operatorPublic).toBe(operatorPublicKeyBase64(key));
    expect(Buffer.from(operatorPublic, 'base64')).toHaveLength(32);
    const json = await cliInProcess(['hub', 'keygen', '--out', file('third.pem'), '--json']);
    expect(JSON.parse(json.stdout)).toEqual({
      private_key_file: file('third.pem'),
      public_key: operatorPublicKeyBase64(operatorPrivateKeyFromPem(readFileSync(file('third.pem'), 'utf8'))),
    });
    const pub = await cliInProcess(['hub', 'pubkey', '--key', operatorKey]);
    expect(pub.stdout.trim()).toBe(operatorPublic);
    // never overwrites a key
    const again = await cliInProcess(['hub', 'keygen', '--out', operatorKey]);
    expect(again.code).toBe(2);
    expectOneLineError(again.stderr, /exists: not overwritten/);
    expect(operatorPrivateKeyFromPem(readFileSync(operatorKey, 'utf8')).equals(key)).toBe(true);
  });
});

describe('cache-cli hub --help', () => {
  it('every hub command shows examples', async () => {
    const commands = [
      '',
      'keygen',
      'pubkey',
      'send',
      'send invalidate',
      'send clear-tenant',
      'send flush',
      'send reload',
      'config',
    ];
    for (const c of commands) {
      const r = await cliInProcess(['hub', ...c.split(' ').filter(Boolean), '--help']);
      expect(r.code, c).toBe(0);
      expect(r.stdout, c).toMatch(/Examples:\n {2}\$ cache-cli hub /);
    }
  });
});

describe('cache-cli hub send / config (the API hub on real NATS and Redis)', () => {
  it('send invalidate with a listed key is applied: the matching keys are gone from Redis, exit 0', async () => {
    const acme = seed.forTenant('acme');
    await acme.setMany([
      { key: 'user:1', value: 1 },
      { key: 'user:2', value: 2 },
      { key: 'keep', value: 3 },
    ]);
    const r = await hub([
      'send',
      'invalidate',
      'user:*',
      '--tenant',
      'acme',
      '--yes',
      '--correlation-id',
      'op-cli-1',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const event = r.json<ControlResultEvent>();
    expect(event).toMatchObject({
      event: 'control.cache.result',
      correlation_id: 'op-cli-1',
      data: {
        status: 'applied',
        reason: null,
        result: { deleted: 2 },
        request_event: 'control.cache.action',
      },
    });
    expect((await acme.listKeys('*')).keys).toEqual(['keep']);
    // the deletes carry the operator's correlation id into the outbox
    const events = (await seed.readEvents({ limit: 1000 })).events.filter(
      (e) => e.correlation_id === 'op-cli-1',
    );
    expect(events.map((e) => e.data.operation)).toEqual(['invalidate', 'invalidate']);
  });

  it('clear-tenant, reload and config are applied; people get one line', async () => {
    await seed.forTenant('beta').setMany([
      { key: 'a', value: 1 },
      { key: 'b', value: 2 },
    ]);
    const clear = await hub(['send', 'clear-tenant', '--tenant', 'beta', '--yes']);
    expect(clear.code, clear.stderr).toBe(0);
    expect(clear.stdout).toMatch(/^applied: deleted=2 — control\.cache\.action, correlation id \S+, by /);
    expect((await seed.forTenant('beta').listKeys('*')).keys).toEqual([]);
    // at a terminal, without --yes: asked, "yes" sends it
    await seed.forTenant('gamma').set('c', 1);
    const asked = await hubInProcess(['send', 'clear-tenant', '--tenant', 'gamma'], operatorKey, {
      answer: 'yes\n',
    });
    expect(asked.code, asked.stderr).toBe(0);
    expect(asked.stderr).toMatch(/^Delete every key of tenant gamma \(via the hub/);
    expect(await seed.forTenant('gamma').get('c')).toBeNull();
    const reload = await hubInProcess(['send', 'reload', '--json']);
    expect((JSON.parse(reload.stdout) as ControlResultEvent).data).toMatchObject({
      status: 'applied',
      result: { reloaded: true },
    });
    writeFileSync(
      file('policy.json'),
      JSON.stringify({
        default_ttl: 120,
        services: { acme: { cache_types: { s: { ttl: 9, consistency: 'strong' } } } },
      }),
    );
    const config = await hub(['config', file('policy.json'), '--json']);
    expect(config.code, config.stderr).toBe(0);
    expect(config.json<ControlResultEvent>().data).toMatchObject({
      status: 'applied',
      request_event: 'config.cache.update',
      result: { config_version: expect.any(Number) },
    });
  });

  it('a key not in HUB_CONTROL_PUBLIC_KEYS is refused: exit 1, the reason printed, nothing deleted', async () => {
    await seed.forTenant('acme').set('guard', 1);
    const r = await hub(['send', 'clear-tenant', '--tenant', 'acme', '--yes'], strangerKey);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^refused \(bad_signature\)/);
    expectOneLineError(
      r.stderr,
      /refused the message: bad_signature \(the key is not in the API's HUB_CONTROL_PUBLIC_KEYS/,
    );
    const json = await hubInProcess(['send', 'reload', '--json'], strangerKey);
    expect(json.code).toBe(1);
    expect((JSON.parse(json.stdout) as ControlResultEvent).data).toMatchObject({
      status: 'refused',
      reason: 'bad_signature',
      result: null,
    });
    expect(await seed.forTenant('acme').get('guard')).not.toBeNull();
  });

  it('no hub listening, a hub that never answers, and no NATS: exit 1 with a clear error', async () => {
    const none = await hubInProcess(['send', 'reload', '--subject-prefix', 'nobody.']);
    expect(none.code).toBe(1);
    expectOneLineError(none.stderr, /no hub listens on nobody\.control\.cache\.action .*Nothing was applied/);
    const silent = nc.subscribe('silent.control.cache.action', { callback: () => {} });
    await nc.flush();
    const started = Date.now();
    const timeout = await runCli(home, [
      '--timeout',
      '1000',
      'hub',
      'send',
      'reload',
      '--key',
      operatorKey,
      '--nats',
      nats.url,
      '--subject-prefix',
      'silent.',
    ]);
    silent.unsubscribe();
    expect(timeout.code).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expectOneLineError(
      timeout.stderr,
      /no answer from the hub on silent\.control\.cache\.action within 1000 ms.*correlation id/,
    );
    const dead = await runCli(home, [
      'hub',
      'send',
      'reload',
      '--key',
      operatorKey,
      '--nats',
      `nats://127.0.0.1:${await freePort()}`,
    ]);
    expect(dead.code).toBe(1);
    expectOneLineError(dead.stderr, /cannot connect to NATS at nats:\/\/127\.0\.0\.1:\d+/);
  });

  it('bad input is refused with exit 2 before anything is sent', async () => {
    writeFileSync(file('big.json'), `{"default_ttl":1,"x":"${'y'.repeat(70_000)}"}`);
    writeFileSync(file('shape.json'), JSON.stringify({ default_ttl: -1 }));
    writeFileSync(file('proto.json'), '{"services":{"__proto__":{"cache_types":{}}}}');
    writeFileSync(
      file('public.pem'),
      '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n',
    );
    writeFileSync(file('loose.pem'), readFileSync(operatorKey));
    chmodSync(file('loose.pem'), 0o644);
    const p = ['--subject-prefix', 'probe.'];
    const cases: [string[], RegExp, string?][] = [
      [['send', 'invalidate', 'user:*', '--tenant', 'bad tenant!', '--yes', ...p], /tenant id/],
      [['send', 'invalidate', 'x'.repeat(513), '--tenant', 'acme', '--yes', ...p], /longer than 512/],
      [['send', 'invalidate', 'a\u0007b', '--tenant', 'acme', '--yes', ...p], /control characters/],
      [['send', 'clear-tenant', '--yes', ...p], /needs --tenant/],
      [['send', 'flush', ...p], /without confirmation.*--yes/],
      [['send', 'clear-tenant', '--tenant', 'acme', ...p], /without confirmation/],
      [['config', file('big.json'), ...p], /over 65472 bytes/],
      [['config', file('shape.json'), ...p], /not a cache config update at default_ttl/],
      [['config', file('proto.json'), ...p], /not a cache config update/],
      [['config', file('missing.json'), ...p], /cannot read the config file .*ENOENT/],
      [['send', 'reload', ...p], /public key/, file('public.pem')],
      [['send', 'reload', ...p], /not a regular file/, '/dev/zero'],
      [['send', 'reload', '--nats', 'http://x:1', ...p], /--nats must be nats:\/\/host:port/],
      [['send', 'reload', '--subject-prefix', 'prod'], /--subject-prefix must be tokens/],
      [['send', 'reload', '--correlation-id', 'a\tb', ...p], /--correlation-id/],
    ];
    for (const [args, message, key] of cases) {
      const r = await hubInProcess(args, key);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expectOneLineError(r.stderr, message);
    }
    // at a terminal it asks; anything but y/yes sends nothing (exit 1)
    const no = await hubInProcess(['send', 'flush', ...p], operatorKey, { answer: 'n\n' });
    expect(no.code).toBe(1);
    expect(no.stderr).toMatch(
      /^Flush the WHOLE cache .* \(via the hub on probe\.control\.cache\.action at nats:\/\/\S+\)\? \[y\/N\] cache-cli: aborted/,
    );
    // the built binary refuses the same way (stdin a pipe: no prompt possible)
    const bin = await hub(['send', 'flush', ...p]);
    expect(bin.code).toBe(2);
    expectOneLineError(bin.stderr, /refusing to run "hub send flush" without confirmation/);
    // a loose key file still works, with a warning (the probe gets it, nobody answers)
    const loose = await hubInProcess(['send', 'reload', '--timeout', '300', ...p], file('loose.pem'));
    expect(loose.stderr).toMatch(/readable by others \(mode 644\): chmod 600/);
    await nc.flush();
    expect(probed).toBe(1);
    probed = 0;
  });

  it('property: hostile tenants and patterns never reach NATS (exit 2, one line)', async () => {
    const invalid = (check: (v: string) => unknown) => (v: string) => {
      try {
        check(v);
        return false;
      } catch {
        return true;
      }
    };
    const hostile = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({ minLength: 513, maxLength: 700 }),
      fc.constantFrom('', '\u0000', 'a\nb', '\ud800', 'x'.repeat(65), '../..', 'a b', '*', '[z-a]'),
    );
    const cases = fc.oneof(
      fc.record({ tenant: hostile.filter(invalid(assertTenant)), pattern: fc.constant('user:*') }),
      fc.record({ tenant: fc.constant('acme'), pattern: hostile.filter(invalid(assertGlob)) }),
    );
    await fc.assert(
      fc.asyncProperty(cases, async ({ tenant, pattern }) => {
        const r = await hubInProcess([
          'send',
          'invalidate',
          pattern,
          '--tenant',
          tenant,
          '--yes',
          '--subject-prefix',
          'probe.',
        ]);
        expect(r.code).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr).toMatch(/^cache-cli: [^\n]*\n$/);
      }),
      { numRuns: 150 },
    );
    await nc.flush();
    expect(probed).toBe(0);
  });
});
