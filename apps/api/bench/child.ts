import { printDiagnosis } from './server-diagnosis.js';

/** The IPC side of a bench server process: `stop` ends it, `cpu` answers its CPU time so far, `near` its near-cache statistics. */
export interface CpuReply {
  cpu: NodeJS.CpuUsage;
}

export interface NearReply {
  near: { hits: number; misses: number; invalidations: number; entries: number; bytes: number } | null;
}

export function answerBench(
  stop: () => Promise<void>,
  nearStats: () => NearReply['near'] = () => null,
): void {
  if (process.env.BENCH_DIAG === '1') {
    const near = Number(process.env.NEAR_CACHE_MAX_BYTES ?? 0) > 0 ? '+near-cache' : '';
    printDiagnosis(`${process.argv[1]?.replace(/.*\//, '') ?? 'server'}${near}`);
  }
  process.on('message', (message) => {
    if (message === 'cpu') process.send?.({ cpu: process.cpuUsage() } satisfies CpuReply);
    if (message === 'near') process.send?.({ near: nearStats() } satisfies NearReply);
    if (message === 'stop') void stop().then(() => process.exit(0));
  });
}
