import { writeSync } from 'node:fs';

const FLUSH_BYTES = 64 * 1024;
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * A pino destination that gathers lines and writes them in one write per batch (64 KiB, or every
 * `intervalMs`): request logging then costs a string append on the hot path instead of a write
 * per line, and a quiet server still shows each line within `intervalMs`. Writes are synchronous
 * per batch, so lines stay in order and none is lost at exit (`flushSync`).
 */
export class BatchedDestination {
  readonly #fd: number;
  #pending = '';
  readonly #timer: NodeJS.Timeout;

  constructor(fd = 1, intervalMs = 100) {
    this.#fd = fd;
    this.#timer = setInterval(() => this.flushSync(), intervalMs);
    this.#timer.unref();
  }

  write(line: string): void {
    this.#pending += line;
    if (this.#pending.length >= FLUSH_BYTES) this.flushSync();
  }

  /** For pino's `logger.flush(cb)`. */
  flush(cb?: (error?: Error) => void): void {
    this.flushSync();
    cb?.();
  }

  /** Writes every gathered line now. */
  flushSync(): void {
    if (this.#pending === '') return;
    let data = Buffer.from(this.#pending);
    this.#pending = '';
    while (data.length > 0) {
      try {
        data = data.subarray(writeSync(this.#fd, data));
      } catch (error) {
        // A full non-blocking pipe: wait a little for the reader. Any other error: the output is gone.
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return;
        Atomics.wait(pause, 0, 0, 10);
      }
    }
  }
}
