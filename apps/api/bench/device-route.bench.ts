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
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCacheClient, type Reading } from '@org/cache-client';
import { createKeyScheme, timestampFromMillis } from '@org/cache-core';
import { freePort, startRedis } from '@org/cache-testkit';
import { it } from 'vitest';
import type { CpuReply, NearReply } from './child.js';
import type { LoadConfig, LoadResult } from './load-config.js';
import { combine, type Measured, row, spread, times } from './report.js';
import { ensureWebdis, startWebdis, type Webdis } from './webdis.js';
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
/** The near-cache of the second API process (bytes; 0 leaves it out). */
const NEAR_BYTES = Number(process.env.BENCH_NEAR_CACHE_MAX_BYTES ?? 256 * 1024 * 1024);
/** Devices rewritten per second during the ingest run (default: every device once a minute; 0 skips it). */
/** Only these targets (comma-separated names, e.g. `api+near-cache` to profile it alone); default all. */
/** `1`: also the near-cache server without its access log, and without its rate limiter (what each costs). */
const ABLATIONS = process.env.BENCH_ABLATIONS === '1';
/** `1`: the baseline build runs with the near-cache too (compares hit paths). */
const BASELINE_NEAR = process.env.BENCH_BASELINE_NEAR === '1';
const ONLY = process.env.BENCH_TARGETS?.split(',').map((t) => t.trim());
const INGEST_PER_SECOND = Number(process.env.BENCH_INGEST_PER_SECOND ?? Math.round(DEVICES / 60));

function reading(i: number, stampMs = Date.UTC(2025, 5, 25, 8) + i): Reading {
  return {
    device_id: deviceId(i),
    index: 'T',
    timestamp: timestampFromMillis(stampMs),
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
    execArgv: [
      ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []),
      ...(process.env.BENCH_SERVER_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
    ],
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

/** A target of the load: where it listens and how to read its server's CPU time (µs). */
interface Target {
  name: string;
  config: LoadConfig;
  cpu: () => Promise<number>;
}

async function measure(target: Target, seconds: number): Promise<Measured> {
  const before = await target.cpu();
  const result = await load({ ...target.config, duration: seconds });
  const used = (await target.cpu()) - before;
  return { ...result, serverCpuUsPerRequest: used / Math.max(1, result.total) };
}

/** CPU time (user + system, µs) of a process that is not ours to ask (webdis), from /proc. */
function procCpu(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // clock ticks at USER_HZ 100
}

async function nearOf(server: ChildProcess): Promise<NearReply['near']> {
  const reply = new Promise<NearReply>((resolve) => {
    const onMessage = (m: unknown) => {
      if (typeof m === 'object' && m !== null && 'near' in m) {
        server.off('message', onMessage);
        resolve(m as NearReply);
      }
    };
    server.on('message', onMessage);
  });
  server.send('near');
  return (await reply).near;
}

/** Rounds of every target, the order rotated each round so none always follows another. */
async function rounds(targets: Target[], count: number, seconds: number): Promise<Map<string, Measured[]>> {
  const out = new Map<string, Measured[]>(targets.map((t) => [t.name, []]));
  for (let r = 0; r < count; r++) {
    console.log(`  round ${r + 1}: load ${loadavg()[0]!.toFixed(2)}`);
    for (let k = 0; k < targets.length; k++) {
      const target = targets[(r + k) % targets.length]!;
      out.get(target.name)!.push(await measure(target, seconds));
    }
  }
  return out;
}

/** Rewrites `perSecond` devices a second (a new timestamp each), in 10 steps a second, until stopped. */
function startIngest(url: string, prefix: string, perSecond: number): { stop(): Promise<number> } {
  const writer = createCacheClient({ transport: 'redis', url, keyPrefix: prefix });
  let next = 0;
  let written = 0;
  let stopped = false;
  const perStep = Math.max(1, Math.round(perSecond / 10));
  const run = (async () => {
    const started = performance.now();
    for (let step = 0; !stopped; step++) {
      const batch = Array.from({ length: perStep }, () => {
        const i = next++ % DEVICES;
        return reading(i, Date.UTC(2025, 5, 26) + next);
      });
      await writer.upsertReadings(batch);
      written += batch.length;
      const due = started + (step + 1) * 100;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await run;
      await writer.close();
      return written;
    },
  };
}

async function main(): Promise<void> {
  const redis = await startRedis();
  const prefix = `bench-${process.pid}:`;
  const token = randomBytes(24).toString('base64url');
  const children: ChildProcess[] = [];
  let webdis: Webdis | undefined;
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
      // the plain API target stays without the near-cache once the API turns it on by default
      NEAR_CACHE_MAX_BYTES: '0',
    };
    const targets: Target[] = [];
    const ipcTarget = (name: string, child: ChildProcess, config: LoadConfig): Target => {
      children.push(child);
      return { name, config, cpu: () => cpuOf(child) };
    };
    const device = (port: number): LoadConfig => ({
      url: `http://127.0.0.1:${port}`,
      pathPrefix: '/api/devices/',
      devices: DEVICES,
      connections: CONNECTIONS,
      duration: DURATION,
      token,
    });
    const api = await startChild('bench-server.js', apiEnv);
    targets.push(ipcTarget('api', api.child, device(api.port)));
    // the size of a device's answer, for the node-http floor (which sends as many bytes)
    const sample = await fetch(`${device(api.port).url}/api/devices/${deviceId(0)}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const sampleBytes = (await sample.arrayBuffer()).byteLength;
    console.log(
      `one device's answer: ${sample.status}, ${sampleBytes} bytes, ${[...sample.headers.keys()].length} headers`,
    );
    let near: ChildProcess | undefined;
    /** Targets whose server has a near-cache: warmed with every device before the rounds. */
    const nearTargets: Target[] = [];
    const nearEnv = { ...apiEnv, NEAR_CACHE_MAX_BYTES: String(NEAR_BYTES) };
    if (NEAR_BYTES > 0) {
      const n = await startChild('bench-server.js', nearEnv);
      near = n.child;
      nearTargets.push(ipcTarget('api+near-cache', n.child, device(n.port)));
      if (ABLATIONS) {
        // what each per-request feature costs on the hit path: the same server without it
        const ablations: [string, Record<string, string>][] = [
          ['near/no-access-log', { LOG_LEVEL: 'warn' }],
          ['near/no-rate-limit', { RATE_LIMIT_ENABLED: 'false' }],
        ];
        for (const [name, env] of ablations) {
          const a = await startChild('bench-server.js', { ...nearEnv, ...env });
          nearTargets.push(ipcTarget(name, a.child, device(a.port)));
        }
      }
    }
    targets.push(...nearTargets);
    if (BASELINE) {
      const b = await startChild(
        `${BASELINE.replace(/\/$/, '')}/bench/bench-server.js`,
        BASELINE_NEAR ? nearEnv : apiEnv,
      );
      const baseline = ipcTarget('baseline', b.child, device(b.port));
      targets.push(baseline);
      if (BASELINE_NEAR) nearTargets.push(baseline);
    }
    const bare = await startChild('bare-server.js', { NODE_ENV: 'production' });
    targets.push(
      ipcTarget('bare', bare.child, { ...device(bare.port), pathPrefix: '/bare/', token: undefined }),
    );
    const floor = await startChild('node-http-server.js', {
      NODE_ENV: 'production',
      NODE_HTTP_BODY_BYTES: String(sampleBytes),
    });
    targets.push(
      ipcTarget('node-http', floor.child, { ...device(floor.port), pathPrefix: '/bare/', token: undefined }),
    );
    const noWebdis =
      GENERATOR === 'wrk' ? ensureWebdis() : 'webdis needs the wrk load generator (a path per key)';
    if (noWebdis === null) {
      webdis = await startWebdis(redis.url, await freePort());
      const keys = createKeyScheme(prefix);
      const pathsFile = join(tmpdir(), `bench-webdis-paths-${process.pid}.txt`);
      writeFileSync(
        pathsFile,
        Array.from({ length: DEVICES }, (_, i) => encodeURIComponent(keys.deviceMetadata(deviceId(i)))).join(
          '\n',
        ),
      );
      const webdisPid = webdis.pid;
      targets.push({
        name: 'webdis',
        config: { ...device(webdis.port), pathPrefix: '/HGETALL/', token: undefined, pathsFile },
        cpu: async () => (webdisPid ? procCpu(webdisPid) : 0),
      });
    } else console.log(`webdis skipped: ${noWebdis}`);

    if (ONLY) targets.splice(0, targets.length, ...targets.filter((t) => ONLY.includes(t.name)));
    console.log(
      `load: ${(await import('node:os'))
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} (1, 5, 15 min)`,
    );
    // a long-running API has read its devices before: every device read once, by the batch route, then on this route
    for (const target of nearTargets.filter((t) => targets.includes(t))) {
      const started = performance.now();
      for (let i = 0; i < DEVICES; i += 1_000) {
        const ids = Array.from({ length: Math.min(1_000, DEVICES - i) }, (_, k) => deviceId(i + k));
        const answer = await fetch(`${target.config.url}/api/devices/batch`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ device_ids: ids }),
        });
        if (!answer.ok) throw new Error(`warming ${target.name}: ${answer.status}`);
        await answer.arrayBuffer();
      }
      if (GENERATOR === 'wrk') {
        // and has answered each of them on this route before (the answer's JSON and ETag are kept with the entry)
        const seconds = Math.ceil(DEVICES / 10_000) + 1;
        const warmed = await load({ ...target.config, duration: seconds, sequential: true });
        if (warmed.total < DEVICES)
          console.log(`${target.name}: only ${warmed.total} devices answered once while warming`);
      }
      console.log(
        `${target.name}: near-cache warmed with every device in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    }
    console.log(`warming up (${WARMUP} s each) ...`);
    for (const t of targets) await measure(t, WARMUP);
    console.log(
      `measuring with ${GENERATOR}: ${CONNECTIONS} connections, ${DURATION} s each in ${ROUNDS} rotating rounds, random ids of ${DEVICES} devices`,
    );
    const report = (results: Map<string, Measured[]>, label: string) => {
      const combined = new Map([...results].map(([name, r]) => [name, combine(r)]));
      for (const [name, r] of combined) console.log(row(`${label}${name}`, r));
      const refName = results.has('webdis') ? 'webdis' : 'bare';
      const ref = results.get(refName);
      if (ref === undefined) return combined;
      for (const [name, r] of results) {
        if (name === refName) continue;
        const ratios = r.map((m, k) => m.requestsPerSecond / ref[k]!.requestsPerSecond);
        const p99 = combined.get(name)!.p99 / combined.get(refName)!.p99;
        // each round's p99 against the reference's in the same round: one disturbed round moves the worst-round figure, not this
        const p99Ratios = r.map((m, k) => m.p99 / ref[k]!.p99);
        const cpu = r.map((m) => m.serverCpuUsPerRequest.toFixed(0)).join(' ');
        console.log(`  ${name}: server CPU µs/request per round: ${cpu}`);
        console.log(
          `  ${name}: p99 ms per round: ${r.map((m) => m.p99).join(' ')} (${refName}: ${ref.map((m) => m.p99).join(' ')})`,
        );
        console.log(
          `  ${name}/${refName}: req/s ${((combined.get(name)!.requestsPerSecond / combined.get(refName)!.requestsPerSecond) * 100).toFixed(0)}% (per round: ${spread(ratios)}), p99 ${p99.toFixed(2)}x (worst round against worst round; per round: ${spread(p99Ratios, times)})`,
        );
      }
      return combined;
    };
    const nearBefore = near ? await nearOf(near) : null;
    const quiet = await rounds(targets, ROUNDS, DURATION / ROUNDS);
    const nearAfter = near ? await nearOf(near) : null;
    const quietSummary = report(quiet, '');
    const hitRate = (a: NearReply['near'], b: NearReply['near']) =>
      a && b ? (b.hits - a.hits) / Math.max(1, b.hits - a.hits + b.misses - a.misses) : null;
    if (nearAfter) {
      console.log(
        `near-cache: hit rate ${((hitRate(nearBefore, nearAfter) ?? 0) * 100).toFixed(1)}%, ${nearAfter.entries} entries, ${(nearAfter.bytes / 1024 ** 2).toFixed(1)} MiB`,
      );
    }
    let ingestSummary: Map<string, Measured> | undefined;
    let ingestHitRate: number | null = null;
    if (INGEST_PER_SECOND > 0) {
      console.log(
        `with a concurrent ingest rewriting ${INGEST_PER_SECOND} devices/s (each device about once a minute):`,
      );
      const ingest = startIngest(redis.url, prefix, INGEST_PER_SECOND);
      const busy = targets.filter((t) => t.name !== 'bare' && t.name !== 'node-http');
      const before = near ? await nearOf(near) : null;
      const started = performance.now();
      const results = await rounds(busy, ROUNDS, DURATION / ROUNDS);
      const after = near ? await nearOf(near) : null;
      const written = await ingest.stop();
      console.log(
        `  ingest wrote ${(written / ((performance.now() - started) / 1000)).toFixed(0)} devices/s`,
      );
      ingestSummary = report(results, 'ingest: ');
      ingestHitRate = hitRate(before, after);
      if (after) {
        console.log(
          `  near-cache under ingest: hit rate ${((ingestHitRate ?? 0) * 100).toFixed(1)}%, invalidations ${after.invalidations - before!.invalidations}`,
        );
      }
    }
    console.log(
      JSON.stringify({
        generator: GENERATOR,
        quiet: Object.fromEntries(quietSummary),
        ingest: ingestSummary && Object.fromEntries(ingestSummary),
        hitRate: hitRate(nearBefore, nearAfter),
        ingestHitRate,
      }),
    );
  } finally {
    for (const child of children) await stopChild(child);
    await webdis?.stop();
    await redis.stop();
  }
}

it(
  'GET /api/devices/{id}: webdis, the API with and without its near-cache, a bare Hono route',
  main,
  900_000,
);
