/**
 * Keeps a consumer group member alive while a chunk is processed: heartbeats on a timer, whatever
 * the chunk is doing (decoding, a slow Redis write, a retry wait). kafkajs shares one heartbeat
 * request between concurrent callers and skips it until the interval has passed.
 */
export class HeartbeatTicker {
  #failure: unknown = null;
  readonly #timer: NodeJS.Timeout;

  constructor(heartbeat: () => Promise<void>, intervalMs: number) {
    this.#timer = setInterval(() => {
      heartbeat().catch((error: unknown) => {
        this.#failure ??= error;
      });
    }, intervalMs);
  }

  /** Rethrows a heartbeat failure (the group is rebalancing): the caller leaves its batch to rejoin. */
  readonly check = async (): Promise<void> => {
    if (this.#failure !== null) throw this.#failure;
  };

  stop(): void {
    clearInterval(this.#timer);
  }
}
