export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

/**
 * A one-line counter on stderr (`listing devices… 12,400 (page 124)`), redrawn in place at most
 * every `intervalMs`. Silent unless the stream is a terminal, so pipes and logs stay clean.
 */
export class Progress {
  readonly #stream: ProgressStream;
  readonly #label: string;
  readonly #intervalMs: number;
  readonly #active: boolean;
  #lastDraw = 0;
  #drawn = false;

  constructor(
    stream: ProgressStream,
    label: string,
    options: { enabled?: boolean; intervalMs?: number } = {},
  ) {
    this.#stream = stream;
    this.#label = label;
    this.#intervalMs = options.intervalMs ?? 100;
    this.#active = options.enabled ?? stream.isTTY === true;
  }

  update(count: number, page: number, now = Date.now()): void {
    if (!this.#active || now - this.#lastDraw < this.#intervalMs) return;
    this.#lastDraw = now;
    this.#drawn = true;
    this.#stream.write(`\r\u001b[K${this.#label}… ${count.toLocaleString('en-US')} (page ${page})`);
  }

  /** Erases the line (call before printing results or an error). */
  done(): void {
    if (this.#drawn) this.#stream.write('\r\u001b[K');
    this.#drawn = false;
  }
}
