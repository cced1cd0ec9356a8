/**
 * `pnpm bench` (vitest runs this orchestrator only; server, bare route and load generator are the
 * built `dist/bench/*.js`, each in its own process): GET /api/devices/{id} on 100,000 devices in a real Redis (auth, logging, metrics and
 * the Redis rate limiter on), against a bare Hono route as the ceiling. Server, load generator
 * and Redis each run in their own process (the machine has 2 cores). The load generator is wrk
 * when it is on the PATH (it needs far less CPU), else autocannon; `BENCH_LOAD=autocannon|wrk`
 * chooses. Both routes are always driven by the same one.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createCacheClient, type Reading, timestampFromMillis } from '@org/cache-client';
import { startRedis } from '@org/cache-testkit';
import { it } from 'vitest';
import type { CpuReply } from './child.js';
import type { LoadConfig, LoadResult } from './load-config.js';
import { combine, type Measured, row, spread } from './report.js';
import { runWrk, wrkAvailable } from './wrk.js';

const DEVICES = Number(process.env.BENCH_DEVICES ?? 100_000);
const DURATION = Number(process.env.BENCH_DURATION ?? 20);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
/** The measured seconds are split into alternating rounds, so a busy moment of the machine hits both targets alike. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const GENERATOR = process.env.BENCH_LOAD ?? (wrkAvailable() ? 'wrk' : 'autocannon');
if (GENERATOR !== 'wrk' && GENERATOR !== 'autocannon')
  throw new Error(`BENCH_LOAD must be wrk or autocannon, not ${GENERATOR}`);
const here = (file: string) => fileURLToPath(new URL(`../dist/bench/${file}`, import.meta.url));
/**
 * Another build of the API (its `dist` directory, e.g. of a `git worktree` at an older commit), run
 * beside this one and measured in the same alternating rounds: the figure is CPU per request new/old.
 */
const BASELINE = process.env.BENCH_BASELINE;
const deviceId = (i: number) => `dev-${String(i).padStart(6, '0')}`;

function reading(i: number): Reading {
  return {
    device_id: deviceId(i),
    index: 'T',
    timestamp: timestampFromMillis(Date.UTC(2025, 5, 25, 8) + i),
    request_id: `req-${i}`,
    values: [20 + (i % 100) / 10],
    labels: ['T_int'],
    display_names: ['Température intérieure'],
    metadata: {
      datatype_id: '1b7e3c52-8f3a-4d1e-9c3b-2a5e6f7d8c90',
      datatype_name: 'Température',
      datatype_unit: '°C',
      persist: true,
      datatype_category: 'M',
      battery_ok: true,
      channel_number: 1,
    },
  };
}

async function startChild(
  file: string,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; port: number }> {
  const profile = process.env.BENCH_PROFILE_DIR;
  const child = fork(file.startsWith('/') ? file : here(file), [], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    execArgv: profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [],
  });
  const [message] = (await Promise.race([
    once(child, 'message'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`${file} exited with ${code}`);
    }),
  ])) as [{ port: number }];
  return { child, port: message.port };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.send('stop');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

async function load(config: LoadConfig): Promise<LoadResult> {
  if (GENERATOR === 'wrk') return runWrk(config);
  const child = fork(here('load.js'), [JSON.stringify(config)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [result] = (await once(child, 'message')) as [LoadResult];
  await once(child, 'exit');
  return result;
}

/** The server's CPU time so far (user + system, µs). */
async function cpuOf(server: ChildProcess): Promise<number> {
  const reply = new Promise<CpuReply>((resolve) => {
    const onMessage = (m: unknown) => {
      if (typeof m === 'object' && m !== null && 'cpu' in m) {
        server.off('message', onMessage);
        resolve(m as CpuReply);
      }
    };
    server.on('message', onMessage);
  });
  server.send('cpu');
  const { cpu } = await reply;
  return cpu.user + cpu.system;
}

async function measure(server: ChildProcess, config: LoadConfig): Promise<Measured> {
  const before = await cpuOf(server);
  const result = await load(config);
  const used = (await cpuOf(server)) - before;
  return { ...result, serverCpuUsPerRequest: used / Math.max(1, result.total) };
}

async function main(): Promise<void> {
  const redis = await startRedis();
  const prefix = `bench-${process.pid}:`;
  const token = randomBytes(24).toString('base64url');
  let api: ChildProcess | undefined;
  let baseline: ChildProcess | undefined;
  let bare: ChildProcess | undefined;
  try {
    process.stdout.write(`seeding ${DEVICES} devices into ${redis.url} ... `);
    const seeder = createCacheClient({ transport: 'redis', url: redis.url, keyPrefix: prefix });
    const started = performance.now();
    for (let i = 0; i < DEVICES; i += 5_000) {
      await seeder.upsertReadings(
        Array.from({ length: Math.min(5_000, DEVICES - i) }, (_, k) => reading(i + k)),
      );
    }
    await seeder.close();
    process.stdout.write(`${((performance.now() - started) / 1000).toFixed(1)} s\n`);

    const apiEnv = {
      REDIS_URL: redis.url,
      KEY_PREFIX: prefix,
      API_HOST: '127.0.0.1',
      API_PORT: '0',
      API_TOKENS: `bench:${token}`,
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
      RATE_LIMIT_ENABLED: process.env.BENCH_RATE_LIMIT ?? 'true',
      RATE_LIMIT_REQUESTS: '1000000000',
      NODE_ENV: 'production',
    };
    const apiChild = await startChild('bench-server.js', apiEnv);
    api = apiChild.child;
    const baselineChild = BASELINE
      ? await startChild(`${BASELINE.replace(/\/$/, '')}/bench/bench-server.js`, apiEnv)
      : undefined;
    baseline = baselineChild?.child;
    const bareChild = await startChild('bare-server.js', { NODE_ENV: 'production' });
    bare = bareChild.child;

    const device: LoadConfig = {
      url: `http://127.0.0.1:${apiChild.port}`,
      pathPrefix: '/api/devices/',
      devices: DEVICES,
      connections: CONNECTIONS,
      duration: DURATION,
      token,
    };
    const ceiling: LoadConfig = {
      ...device,
      url: `http://127.0.0.1:${bareChild.port}`,
      pathPrefix: '/bare/',
      token: undefined,
    };

    const old: LoadConfig | undefined = baselineChild && {
      ...device,
      url: `http://127.0.0.1:${baselineChild.port}`,
    };
    console.log(`warming up (${WARMUP} s each) ...`);
    await load({ ...device, duration: WARMUP });
    if (old) await load({ ...old, duration: WARMUP });
    await load({ ...ceiling, duration: WARMUP });
    console.log(
      `measuring with ${GENERATOR}: ${CONNECTIONS} connections, ${DURATION} s each in ${ROUNDS} alternating rounds, random ids of ${DEVICES} devices`,
    );
    const deviceRounds: Measured[] = [];
    const baselineRounds: Measured[] = [];
    const bareRounds: Measured[] = [];
    const roundSeconds = DURATION / ROUNDS;
    for (let r = 0; r < ROUNDS; r++) {
      // Alternate which API build goes first, so neither always follows the bare route.
      if (old && baseline && r % 2 === 1)
        baselineRounds.push(await measure(baseline, { ...old, duration: roundSeconds }));
      deviceRounds.push(await measure(api, { ...device, duration: roundSeconds }));
      if (old && baseline && r % 2 === 0)
        baselineRounds.push(await measure(baseline, { ...old, duration: roundSeconds }));
      bareRounds.push(await measure(bare, { ...ceiling, duration: roundSeconds }));
    }
    const deviceResult = combine(deviceRounds);
    const bareResult = combine(bareRounds);
    const limited = (process.env.BENCH_RATE_LIMIT ?? 'true') === 'true' ? ', rate limit' : '';
    const ratios = deviceRounds.map((d, r) => d.requestsPerSecond / bareRounds[r]!.requestsPerSecond);
    for (let r = 0; r < ROUNDS; r++) {
      console.log(row(`  round ${r + 1}: device`, deviceRounds[r]!));
      console.log(row(`  round ${r + 1}: bare`, bareRounds[r]!));
    }
    console.log(row(`GET /api/devices/{id} (auth, logs, metrics${limited})`, deviceResult));
    console.log(row('GET /bare/{id} (bare Hono)', bareResult));
    const ratio = deviceResult.requestsPerSecond / bareResult.requestsPerSecond;
    console.log(`ratio device/bare: ${(ratio * 100).toFixed(0)}% (per round: ${spread(ratios)})`);
    let cpuVsBaseline: number | undefined;
    if (baselineRounds.length > 0) {
      const baselineResult = combine(baselineRounds);
      for (let r = 0; r < ROUNDS; r++) console.log(row(`  round ${r + 1}: baseline`, baselineRounds[r]!));
      console.log(row(`baseline build (${BASELINE})`, baselineResult));
      cpuVsBaseline = deviceResult.serverCpuUsPerRequest / baselineResult.serverCpuUsPerRequest;
      const perRound = deviceRounds.map(
        (d, r) => d.serverCpuUsPerRequest / baselineRounds[r]!.serverCpuUsPerRequest,
      );
      console.log(
        `server CPU per request, this build / baseline: ${(cpuVsBaseline * 100).toFixed(1)}% (per round: ${spread(perRound)})`,
      );
    }
    console.log(
      JSON.stringify({
        generator: GENERATOR,
        device: deviceResult,
        bare: bareResult,
        ratio,
        roundRatios: ratios,
        cpuVsBaseline,
      }),
    );
  } finally {
    if (api) await stopChild(api);
    if (baseline) await stopChild(baseline);
    if (bare) await stopChild(bare);
    await redis.stop();
  }
}

it('GET /api/devices/{id} against a bare Hono route', main, 600_000);
