import { RateLimitError } from '@org/cache-core';

/** Readers of the change feed (SSE) served at once by one API process, in all and per caller. */
export interface EventReaderLimits {
  /** In all (each reader holds a socket and up to 20,000 buffered events). */
  perProcess: number;
  /** Per caller (`callerSubject`): one token cannot take every slot of the process. */
  perCaller: number;
}

/** Seconds a refused reader is told to wait (Retry-After) before it tries again. */
export const EVENT_READER_RETRY_SECONDS = 5;

/**
 * The slots of the change-feed readers. `take` gives a slot or throws 429 (`RateLimitError`, with
 * Retry-After); the release it returns frees the slot once, however often it is called.
 */
export class EventReaderSlots {
  readonly #limits: EventReaderLimits;
  readonly #byCaller = new Map<string, number>();
  #inUse = 0;

  constructor(limits: EventReaderLimits) {
    this.#limits = limits;
  }

  get inUse(): number {
    return this.#inUse;
  }

  /** Readers the caller holds now. */
  heldBy(subject: string): number {
    return this.#byCaller.get(subject) ?? 0;
  }

  take(subject: string): () => void {
    const held = this.heldBy(subject);
    if (held >= this.#limits.perCaller)
      throw new RateLimitError(
        `this caller already reads the change feed ${held} times on this instance (at most ${this.#limits.perCaller})`,
        EVENT_READER_RETRY_SECONDS,
      );
    if (this.#inUse >= this.#limits.perProcess)
      throw new RateLimitError(
        `this instance serves its most change-feed readers (${this.#limits.perProcess})`,
        EVENT_READER_RETRY_SECONDS,
      );
    this.#inUse++;
    this.#byCaller.set(subject, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#inUse--;
      const left = this.heldBy(subject) - 1;
      if (left === 0) this.#byCaller.delete(subject);
      else this.#byCaller.set(subject, left);
    };
  }
}
