/**
 * The wrk load generator (C, one thread): far less CPU than autocannon for the same load, which on
 * a 2-core machine leaves the server and Redis more of the cores they share with it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadConfig, LoadResult } from './load-config.js';

/**
 * GET `${prefix}${random id}` with the ids of `deviceId()` (`dev-%06d`), or `${prefix}${random line}`
 * of `pathsFile` (webdis: a Redis key per line, URL-encoded); the bearer token comes
 * from the environment, not the command line. `done` prints one JSON line (latencies in µs).
 */
const SCRIPT = `
local prefix, devices = "/", 1
local headers = {}
local paths = nil
local sequential, n = false, -1
function init(args)
  prefix, devices = args[1], tonumber(args[2])
  sequential = args[4] == "sequential"
  if args[3] and args[3] ~= "" then
    paths = {}
    for line in io.lines(args[3]) do paths[#paths + 1] = line end
    devices = #paths
  end
  local token = os.getenv("WRK_BEARER_TOKEN")
  if token and token ~= "" then headers["Authorization"] = "Bearer " .. token end
  math.randomseed(os.time())
end
function request()
  if sequential then
    n = (n + 1) % devices
    return wrk.format("GET", prefix .. string.format("dev-%06d", n), headers)
  end
  if paths then return wrk.format("GET", prefix .. paths[math.random(1, devices)], headers) end
  return wrk.format("GET", prefix .. string.format("dev-%06d", math.random(0, devices - 1)), headers)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\n{"requests":%d,"duration_us":%d,"p50":%d,"p90":%d,"p99":%d,"max":%d,"status":%d,"errors":%d,"timeouts":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.status, e.connect + e.read + e.write, e.timeout))
end
`;

interface WrkSummary {
  requests: number;
  duration_us: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  status: number;
  errors: number;
  timeouts: number;
}

/** True when a `wrk` binary is on the PATH. */
export function wrkAvailable(): boolean {
  const probe = spawnSync('wrk', ['--version'], { stdio: 'ignore' });
  return probe.error === undefined;
}

const ms = (us: number) => Math.round(us / 10) / 100;

export async function runWrk(config: LoadConfig): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'api-bench-wrk-'));
  try {
    const script = join(dir, 'random-ids.lua');
    writeFileSync(script, SCRIPT);
    const args = [
      '-t1',
      `-c${config.connections}`,
      `-d${Math.max(1, Math.round(config.duration))}s`,
      '--timeout',
      '10s',
      '-s',
      script,
      config.url,
      '--',
      config.pathPrefix,
      String(config.devices),
      config.pathsFile ?? '',
      config.sequential ? 'sequential' : 'random',
    ];
    const child = spawn('wrk', args, {
      env: { ...process.env, WRK_BEARER_TOKEN: config.token ?? '' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    const line = out.split('\n').find((l) => l.startsWith('{"requests"'));
    if (code !== 0 || line === undefined) throw new Error(`wrk exited with ${code}: ${out.trim()}`);
    const s = JSON.parse(line) as WrkSummary;
    return {
      requestsPerSecond: s.requests / (s.duration_us / 1e6),
      total: s.requests,
      p50: ms(s.p50),
      p90: ms(s.p90),
      p99: ms(s.p99),
      max: ms(s.max),
      non2xx: s.status,
      errors: s.errors,
      timeouts: s.timeouts,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
