import {
  type CacheEvent,
  comparePositions,
  DEFAULT_OUTBOX,
  decodeCacheEvent,
  type EventPosition,
  type OutboxSettings,
  parseEventId,
} from '@org/cache-core';
import type { EventPage, WriteContext } from '../transport.js';

/**
 * The in-process equivalent of the Redis outbox streams: one log whose ids (`<ms>-<seq>-<source>`,
 * the source named as Redis would) increase in the delivery order, capped by length and age like
 * the streams. Events are appended in the same
 * synchronous step as their change, so none is missing or extra.
 */
export class MemoryOutbox {
  readonly #settings: OutboxSettings;
  readonly #events: CacheEvent[] = [];
  readonly #positions: EventPosition[] = [];
  #head = 0;
  #lastMs = 0;
  #seq = 0;
  readonly #waiters = new Set<() => void>();

  constructor(settings: Partial<OutboxSettings> = {}) {
    this.#settings = { ...DEFAULT_OUTBOX, ...settings };
  }

  get enabled(): boolean {
    return this.#settings.enabled;
  }

  /** Appends one event of a source (`d<bucket>`, `t.<tenant>`, `g`): fields as the Lua scripts write them. */
  append(source: string, fields: string[], context: WriteContext | undefined): void {
    if (!this.#settings.enabled) return;
    const now = Date.now();
    if (now > this.#lastMs) {
      this.#lastMs = now;
      this.#seq = 0;
    } else {
      this.#seq++;
    }
    fields.push('s', this.#settings.serviceId);
    if (context?.correlationId) fields.push('c', context.correlationId);
    this.#events.push(decodeCacheEvent(`${this.#lastMs}-${this.#seq}`, source, fields));
    this.#positions.push({ ms: this.#lastMs, seq: this.#seq, source });
    this.#trim(now);
    for (const wake of this.#waiters) wake();
  }

  read(since: string | null, limit: number): EventPage {
    this.#trim(Date.now());
    let lo = this.#head;
    const after = since === null ? null : parseEventId(since);
    if (after !== null) {
      let hi = this.#events.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (comparePositions(this.#positions[mid]!, after) <= 0) lo = mid + 1;
        else hi = mid;
      }
    }
    const events = this.#events.slice(lo, lo + limit);
    return { events, more: lo + limit < this.#events.length };
  }

  /** The id of the newest event kept, or null. */
  lastId(): string | null {
    return this.#events.length > this.#head ? this.#events.at(-1)!.id : null;
  }

  /** Resolves on the next append, after `ms`, or when the signal aborts. */
  wait(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Follows the log after `since` ('now': after its newest event), a batch at a time, until the signal aborts. */
  async *follow(since: string | null | 'now', signal: AbortSignal): AsyncGenerator<CacheEvent[]> {
    let after = since === 'now' ? this.lastId() : since;
    while (!signal.aborted) {
      const page = this.read(after, 1000);
      if (page.events.length > 0) {
        after = page.events.at(-1)!.id;
        yield page.events;
      } else {
        await this.wait(1000, signal);
      }
    }
  }

  clear(): void {
    this.#events.length = 0;
    this.#positions.length = 0;
    this.#head = 0;
  }

  #trim(now: number): void {
    const minMs = now - this.#settings.maxAgeSeconds * 1000;
    while (
      this.#head < this.#events.length &&
      (this.#events.length - this.#head > this.#settings.maxLength || this.#positions[this.#head]!.ms < minMs)
    ) {
      this.#head++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#events.length) {
      this.#events.splice(0, this.#head);
      this.#positions.splice(0, this.#head);
      this.#head = 0;
    }
  }
}
