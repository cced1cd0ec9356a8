/** How the bench sums up and prints its rounds. */
import type { LoadResult } from './load-config.js';

/** A load run plus what it cost the server: CPU time (user + system) per answered request. */
export interface Measured extends LoadResult {
  serverCpuUsPerRequest: number;
}

/** Rounds together: mean throughput and CPU; latency percentiles of the worst round (conservative). */
export function combine(rounds: Measured[]): Measured {
  const mean = (k: 'requestsPerSecond' | 'serverCpuUsPerRequest') =>
    rounds.reduce((n, r) => n + r[k], 0) / rounds.length;
  const sum = (k: 'total' | 'non2xx' | 'errors' | 'timeouts') => rounds.reduce((n, r) => n + r[k], 0);
  const worst = (k: 'p50' | 'p90' | 'p99' | 'max') => Math.max(...rounds.map((r) => r[k]));
  return {
    requestsPerSecond: mean('requestsPerSecond'),
    total: sum('total'),
    p50: worst('p50'),
    p90: worst('p90'),
    p99: worst('p99'),
    max: worst('max'),
    non2xx: sum('non2xx'),
    errors: sum('errors'),
    timeouts: sum('timeouts'),
    serverCpuUsPerRequest: mean('serverCpuUsPerRequest'),
  };
}

const millis = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(v < 10 ? 2 : 1)).padStart(5);

export const row = (name: string, r: Measured) =>
  `${name.padEnd(34)} ${r.requestsPerSecond.toFixed(0).padStart(8)} req/s   p50 ${millis(r.p50)} ms   p99 ${millis(
    r.p99,
  )} ms   max ${millis(r.max)} ms   server CPU ${r.serverCpuUsPerRequest.toFixed(0).padStart(3)} µs/req   non-2xx ${
    r.non2xx
  }   errors ${r.errors}`;

const percent = (x: number) => `${(x * 100).toFixed(0)}%`;
/** A ratio as `1.23x`. */
export const times = (x: number) => `${x.toFixed(2)}x`;

/** Min, median and max of the per-round ratios: how much the machine's noise moved them. */
export function spread(ratios: number[], format: (x: number) => string = percent): string {
  const sorted = [...ratios].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return `min ${format(sorted[0]!)}, median ${format(median)}, max ${format(sorted.at(-1)!)}`;
}
