import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

/** Node's names of `PerformanceEntry.detail.kind` for garbage collections. */
const GC_KINDS: Record<number, string> = {
  1: 'minor',
  2: 'minor-ms',
  4: 'major',
  8: 'incremental',
  16: 'weak',
};
const SLOW_GC_MS = 3;

/**
 * `BENCH_DIAG=1`: every `intervalMs` a bench server prints on stderr what its event loop waited
 * (delay p50, p99, max), its garbage collections (count, total pause, the pauses above 3 ms with
 * their kind) and its heap: where a server's latency tail comes from.
 */
export function printDiagnosis(name: string, intervalMs = 10_000): void {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  let count = 0;
  let pausedMs = 0;
  let slow: string[] = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      count++;
      pausedMs += e.duration;
      const kind = (e as { detail?: { kind?: number } }).detail?.kind ?? 0;
      if (e.duration > SLOW_GC_MS) slow.push(`${GC_KINDS[kind] ?? kind} ${e.duration.toFixed(1)}`);
    }
  }).observe({ entryTypes: ['gc'] });
  const ms = (ns: number) => (ns / 1e6).toFixed(1);
  setInterval(() => {
    const heap = process.memoryUsage().heapUsed / 2 ** 20;
    console.error(
      `diag ${name} (${process.pid}): loop delay p50 ${ms(delay.percentile(50))} p99 ${ms(delay.percentile(99))} max ${ms(delay.max)} ms; gc ${count}, ${pausedMs.toFixed(0)} ms paused, over ${SLOW_GC_MS} ms: ${slow.join(', ') || 'none'}; heap ${heap.toFixed(0)} MiB`,
    );
    delay.reset();
    count = 0;
    pausedMs = 0;
    slow = [];
  }, intervalMs).unref();
}
