import type { Logger } from '../logger.js';

export interface StaleSample {
  device_id: string;
  index: string;
  timestamp: string;
}

export interface StaleLogOptions {
  /** At most one line per this many ms (default 10 s). */
  intervalMs?: number;
  /** For tests. */
  now?: () => number;
}

/**
 * A rate-limited sample of stale readings (readings older than the stored one of their device and
 * index, so skipped): at most one log line per interval, naming one device and index, with the
 * number of stale readings counted since the previous line. A device whose stored state is stamped
 * in the future shows up here again and again (find it with `cache-cli devices future`).
 */
export class StaleReadingLog {
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #now: () => number;
  #lastLoggedAt = Number.NEGATIVE_INFINITY;
  /** Stale readings counted since the last line (included in the next one). */
  #pending = 0;

  constructor(logger: Logger, options: StaleLogOptions = {}) {
    this.#logger = logger;
    this.#intervalMs = options.intervalMs ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** `stale` readings of one write, `samples` some of them (empty when the backend names none). */
  record(stale: number, samples: readonly StaleSample[]): void {
    if (stale <= 0) return;
    this.#pending += stale;
    const sample = samples[0];
    if (sample === undefined) return;
    const now = this.#now();
    if (now - this.#lastLoggedAt < this.#intervalMs) return;
    this.#lastLoggedAt = now;
    this.#logger.info(
      {
        device_id: sample.device_id,
        index: sample.index,
        timestamp: sample.timestamp,
        stale: this.#pending,
        suppressed: this.#pending - 1,
        intervalMs: this.#intervalMs,
      },
      'stale reading skipped: the cache holds a newer one for this device and index',
    );
    this.#pending = 0;
  }
}
