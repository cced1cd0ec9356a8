/**
 * The cost of issue 14's observability on the device route, in one run with alternating rounds:
 *
 * - `baseline`: a build without it (`BENCH_TRACING_BASELINE=<dist dir>`, e.g. a worktree of the
 *   commit before, built with tsup): "today's";
 * - `off`: this build (`BENCH_TRACING_BUILD`, default this package's dist) with tracing off;
 * - `on`: the same build with `ENABLE_OTEL=true`, exporting to an OTLP sink in this process that
 *   answers 200 and keeps nothing.
 *
 * Each round loads every target for `BENCH_DURATION / BENCH_ROUNDS` seconds with wrk (64
 * connections, random ids of `BENCH_DEVICES` seeded devices), in a rotating order. Reported:
 * req/s and server CPU per request of each, and the ratios off/baseline and on/off (median and
 * spread over the rounds). Nothing is asserted: the figures are the output.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCacheClient } from '@org/cache-client';
import { timestampFromMillis } from '@org/cache-core';
import { startRedis } from '@org/cache-testkit';
import { describe, it } from 'vitest';
import type { CpuReply } from './child.js';
import { deviceId, type LoadConfig } from './load-config.js';
import { type Measured, row, spread } from './report.js';
import { runWrk, wrkAvailable } from './wrk.js';

const DEVICES = Number(process.env.BENCH_DEVICES ?? 20_000);
const DURATION = Number(process.env.BENCH_DURATION ?? 36);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const BASELINE = process.env.BENCH_TRACING_BASELINE;
const BUILD = process.env.BENCH_TRACING_BUILD ?? new URL('../dist', import.meta.url).pathname;

interface Target {
  name: string;
  child: ChildProcess;
  config: LoadConfig;
}

async function startServer(
  dist: string,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(`${dist.replace(/\/$/, '')}/bench/bench-server.js`, [], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const [message] = (await once(child, 'message')) as [{ port: number }];
  return { child, port: message.port };
}

async function cpuOf(child: ChildProcess): Promise<number> {
  const reply = new Promise<CpuReply>((resolve) => {
    const on = (m: unknown) => {
      if (typeof m === 'object' && m !== null && 'cpu' in m) {
        child.off('message', on);
        resolve(m as CpuReply);
      }
    };
    child.on('message', on);
  });
  child.send('cpu');
  const { cpu } = await reply;
  return cpu.user + cpu.system;
}

async function measure(t: Target, seconds: number): Promise<Measured> {
  const before = await cpuOf(t.child);
  const result = await runWrk({ ...t.config, duration: seconds });
  const cpu = (await cpuOf(t.child)) - before;
  return { ...result, serverCpuUsPerRequest: cpu / Math.max(1, result.total) };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

describe('tracing cost on the device route', () => {
  it.skipIf(!BASELINE || !existsSync(`${BASELINE}/bench/bench-server.js`) || !wrkAvailable())(
    'baseline vs tracing off vs tracing on, alternating rounds',
    async () => {
      const redis = await startRedis();
      // an OTLP/HTTP sink: reads each export and answers 200, keeps nothing
      const sink = createServer((req, res) => {
        req.resume();
        req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
      });
      sink.listen(0, '127.0.0.1');
      await once(sink, 'listening');
      const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
      const prefix = `bench-tr-${process.pid}:`;
      const token = randomBytes(24).toString('base64url');
      const children: ChildProcess[] = [];
      try {
        const seeder = createCacheClient({ transport: 'redis', url: redis.url, keyPrefix: prefix });
        for (let i = 0; i < DEVICES; i += 5_000)
          await seeder.upsertReadings(
            Array.from({ length: Math.min(5_000, DEVICES - i) }, (_, k) => ({
              device_id: deviceId(i + k),
              request_id: `r-${i + k}`,
              timestamp: timestampFromMillis(Date.UTC(2025, 5, 25, 8) + i + k),
              values: [21.5],
              labels: ['T_int'],
              display_names: ['Température intérieure'],
              index: 'T',
              metadata: {
                datatype_id: '1b7e3c52-8f3a-4d1e-9c3b-2a5e6f7d8c90',
                datatype_name: 'Température',
                datatype_unit: '°C',
                persist: true,
              },
            })),
          );
        const check = await seeder.getDeviceMetadata(deviceId(DEVICES - 1));
        await seeder.close();
        if (check === null) throw new Error('the devices were not seeded');
        const env = {
          REDIS_URL: redis.url,
          KEY_PREFIX: prefix,
          API_HOST: '127.0.0.1',
          API_PORT: '0',
          API_TOKENS: `bench:${token}`,
          LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
          RATE_LIMIT_REQUESTS: '1000000000',
          NODE_ENV: 'production',
        };
        const targets: Target[] = [];
        const add = async (name: string, dist: string, extra: Record<string, string>) => {
          const { child, port } = await startServer(dist, { ...env, ...extra });
          children.push(child);
          targets.push({
            name,
            child,
            config: {
              url: `http://127.0.0.1:${port}`,
              pathPrefix: '/api/devices/',
              devices: DEVICES,
              connections: 64,
              duration: DURATION,
              token,
            },
          });
        };
        await add('baseline', BASELINE!, {});
        await add('off', BUILD, { ENABLE_OTEL: 'false' });
        await add('on', BUILD, { ENABLE_OTEL: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl });
        for (const t of targets) await measure(t, 3);
        const results = new Map<string, Measured[]>(targets.map((t) => [t.name, []]));
        const seconds = DURATION / ROUNDS;
        for (let r = 0; r < ROUNDS; r++) {
          const order = targets.map((_, i) => targets[(i + r) % targets.length]!);
          for (const t of order) results.get(t.name)!.push(await measure(t, seconds));
        }
        console.log(`${ROUNDS} rounds of ${seconds} s per target, ${DEVICES} devices, wrk 64 connections`);
        for (const [name, rs] of results) {
          const mean = (k: keyof Measured) => rs.reduce((n, m) => n + (m[k] as number), 0) / rs.length;
          console.log(
            row(name, {
              ...rs[0]!,
              requestsPerSecond: mean('requestsPerSecond'),
              p50: Math.max(...rs.map((m) => m.p50)),
              p99: Math.max(...rs.map((m) => m.p99)),
              max: Math.max(...rs.map((m) => m.max)),
              serverCpuUsPerRequest: mean('serverCpuUsPerRequest'),
              non2xx: rs.reduce((n, m) => n + m.non2xx, 0),
              errors: rs.reduce((n, m) => n + m.errors, 0),
            }),
          );
        }
        const ratio = (a: string, b: string, k: 'requestsPerSecond' | 'serverCpuUsPerRequest') => {
          const xs = results.get(a)!.map((m, i) => m[k] / results.get(b)![i]![k]);
          return { median: median(xs), text: spread(xs) };
        };
        for (const [a, b] of [
          ['off', 'baseline'],
          ['on', 'off'],
          ['on', 'baseline'],
        ] as const) {
          const rps = ratio(a, b, 'requestsPerSecond');
          const cpu = ratio(a, b, 'serverCpuUsPerRequest');
          console.log(
            `${a}/${b}: req/s ${(rps.median * 100).toFixed(1)}% (${rps.text}); server CPU per request ${(cpu.median * 100).toFixed(1)}% (${cpu.text})`,
          );
        }
      } finally {
        for (const c of children) {
          c.send('stop');
          await Promise.race([once(c, 'exit'), new Promise((r) => setTimeout(r, 5_000))]);
          c.kill('SIGKILL');
        }
        sink.close();
        await redis.stop();
      }
    },
  );
});
