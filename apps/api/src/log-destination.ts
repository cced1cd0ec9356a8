import { writeSync } from 'node:fs';

const BUFFER_BYTES = 64 * 1024;
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * A pino destination that gathers lines and writes them in one write per batch (64 KiB, or every
 * `intervalMs`): request logging then costs copying a line into a buffer on the hot path instead
 * of a write per line, and a quiet server still shows each line within `intervalMs`. Lines are
 * gathered as UTF-8 in one buffer outside the JS heap, not as a growing string: a string held
 * across collections is copied by each young-generation collection, then promoted as garbage.
 * Writes are synchronous per batch, so lines stay in order and none is lost at exit (`flushSync`).
 */
export class BatchedDestination {
  readonly #fd: number;
  readonly #buffer = Buffer.allocUnsafeSlow(BUFFER_BYTES);
  #used = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(fd = 1, intervalMs = 100) {
    this.#fd = fd;
    this.#timer = setInterval(() => this.flushSync(), intervalMs);
    this.#timer.unref();
  }

  write(line: string): void {
    // at most 3 bytes per UTF-16 unit; counted exactly only near the end of the buffer
    if (this.#used + line.length * 3 > BUFFER_BYTES && this.#used + Buffer.byteLength(line) > BUFFER_BYTES) {
      this.flushSync();
      if (Buffer.byteLength(line) > BUFFER_BYTES) {
        this.#writeAll(Buffer.from(line));
        return;
      }
    }
    this.#used += this.#buffer.write(line, this.#used);
  }

  /** For pino's `logger.flush(cb)`. */
  flush(cb?: (error?: Error) => void): void {
    this.flushSync();
    cb?.();
  }

  /** Writes every gathered line now. */
  flushSync(): void {
    if (this.#used === 0) return;
    const data = this.#buffer.subarray(0, this.#used);
    this.#used = 0;
    this.#writeAll(data);
  }

  #writeAll(bytes: Buffer): void {
    let data = bytes;
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
