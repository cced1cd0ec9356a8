/**
 * The near-cache: recent answers kept in process, bounded by bytes, emptied or pruned by the
 * server's invalidations (see `docs/near-cache.md`). Generic over what is cached and over its
 * keys: the owner maps the server's invalidations (Redis key names) to its keys (the metadata
 * near-cache keys by device id).
 *
 * Rules that make it safe:
 * - an answer is stored only when tracking was on before the read was sent and nothing
 *   (a dropped connection, a topology change) happened in between (`epoch`);
 * - a read in flight when an invalidation of its key arrives is never stored (`stale`), and new
 *   callers do not join it: they send a new read;
 * - concurrent misses of one key share one read (one Redis round trip);
 * - answers are served in the order their reads were sent: a read that completes after a newer
 *   read of the same key was already served answers that newer value (never an older one).
 */

export interface NearCacheOptions {
  /** Upper bound of the entries' estimated size, in bytes (1 KiB … 16 GiB). */
  maxBytes: number;
  /** An entry older than this is read again (ms; default 300,000; 0: no age limit). */
  maxAgeMs?: number;
  /** Called with each key an invalidation removed or marked (for measurements); keep it cheap. */
  onInvalidate?: (key: string) => void;
}

export interface NearCacheStats {
  hits: number;
  misses: number;
  /** Misses that joined a read already in flight (no round trip of their own). */
  shared: number;
  stores: number;
  invalidations: number;
  evictions: number;
  /** Times the whole near-cache was emptied (lost connection, topology change, flush). */
  clears: number;
  entries: number;
  bytes: number;
  /** True while answers may be stored (tracking is on everywhere). */
  active: boolean;
}

export const NEAR_CACHE_MIN_BYTES = 1024;
export const NEAR_CACHE_MAX_BYTES = 16 * 1024 ** 3;
const DEFAULT_MAX_AGE_MS = 300_000;

/**
 * A hit answered synchronously by `peek`: the value, and a slot where the caller may keep
 * something derived from it (a serialized answer). The slot lives and dies with the entry: an
 * invalidation, an eviction or a newer store drops both, so what it holds is never staler than
 * the value.
 */
export interface NearCacheHit<V> {
  readonly value: V;
  derived: unknown;
}

interface Entry<V> extends NearCacheHit<V> {
  /** Read since the eviction hand last passed it (CLOCK's reference bit): it gets a second chance. */
  used: boolean;
  bytes: number;
  seq: number;
  storedAt: number;
}

interface Flight<V> {
  seq: number;
  epoch: number;
  stale: boolean;
  promise: Promise<V>;
}

/** A served answer, kept while an older read of its key is still in flight. */
interface Served<V> {
  seq: number;
  value: V;
}

export class NearCache<V> {
  readonly maxBytes: number;
  readonly maxAgeMs: number;
  readonly #sizeOf: (key: string, value: V) => number;
  readonly #onInvalidate: ((key: string) => void) | undefined;
  readonly #entries = new Map<string, Entry<V>>();
  readonly #flights = new Map<string, Flight<V>>();
  /** Per key: how many invalidated reads are still in flight, and the newest answer served since. */
  readonly #staleInFlight = new Map<string, number>();
  readonly #served = new Map<string, Served<V>>();
  #bytes = 0;
  #seq = 0;
  #epoch = 0;
  #active = false;
  readonly #stats = { hits: 0, misses: 0, shared: 0, stores: 0, invalidations: 0, evictions: 0, clears: 0 };

  constructor(options: NearCacheOptions, sizeOf: (key: string, value: V) => number) {
    const { maxBytes } = options;
    if (
      !Number.isSafeInteger(maxBytes) ||
      maxBytes < NEAR_CACHE_MIN_BYTES ||
      maxBytes > NEAR_CACHE_MAX_BYTES
    ) {
      throw new RangeError(
        `nearCache.maxBytes must be an integer from ${NEAR_CACHE_MIN_BYTES} to ${NEAR_CACHE_MAX_BYTES}`,
      );
    }
    const maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
    if (!Number.isSafeInteger(maxAgeMs) || maxAgeMs < 0) {
      throw new RangeError('nearCache.maxAgeMs must be a non-negative integer');
    }
    this.maxBytes = maxBytes;
    this.maxAgeMs = maxAgeMs;
    this.#sizeOf = sizeOf;
    this.#onInvalidate = options.onInvalidate;
  }

  /**
   * The entry of `key` when it is a hit (present and not older than `maxAgeMs`), else undefined:
   * no read is sent and nothing waits, so a caller can answer a hit in the same turn and send
   * only misses through `getMany`. Counts a hit (not a miss: the caller's `getMany` counts that).
   */
  peek(key: string): NearCacheHit<V> | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (this.maxAgeMs !== 0 && Date.now() - entry.storedAt >= this.maxAgeMs) return undefined;
    this.#stats.hits++;
    // a flag, not a move: a hit writes nothing to the map (see #evict)
    entry.used = true;
    return entry;
  }

  /**
   * Answers for `keys` (parallel to `ids`): hits from memory, misses read by one `fetch` of the
   * missing ids (its answers in the same order); misses already being read join that read.
   */
  async getMany(
    keys: readonly string[],
    ids: readonly string[],
    fetch: (ids: string[]) => Promise<V[]>,
  ): Promise<V[]> {
    const out = new Array<V>(keys.length);
    let waits: Promise<void>[] | null = null;
    let missKeys: string[] | null = null;
    let missIds: string[] | null = null;
    let missAt: number[] | null = null;
    const now = this.maxAgeMs > 0 ? Date.now() : 0;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const entry = this.#entries.get(key);
      if (entry !== undefined && (this.maxAgeMs === 0 || now - entry.storedAt < this.maxAgeMs)) {
        this.#stats.hits++;
        entry.used = true;
        out[i] = entry.value;
        continue;
      }
      this.#stats.misses++;
      const flight = this.#flights.get(key);
      if (flight !== undefined) {
        this.#stats.shared++;
        waits ??= [];
        waits.push(
          flight.promise.then((v) => {
            out[i] = v;
          }),
        );
        continue;
      }
      missKeys ??= [];
      missIds ??= [];
      missAt ??= [];
      missKeys.push(key);
      missIds.push(ids[i]!);
      missAt.push(i);
    }
    if (missKeys !== null) {
      const answers = this.#read(missKeys, missIds!, fetch);
      for (let k = 0; k < missKeys.length; k++) {
        waits ??= [];
        const at = missAt![k]!;
        waits.push(
          answers[k]!.then((v) => {
            out[at] = v;
          }),
        );
      }
    }
    if (waits !== null) await Promise.all(waits);
    return out;
  }

  /** One read of the missing keys; a flight per key so others can join and invalidations can mark it. */
  #read(keys: string[], ids: string[], fetch: (ids: string[]) => Promise<V[]>): Promise<V>[] {
    const seq = ++this.#seq;
    const epoch = this.#active ? this.#epoch : -1;
    const reply = fetch(ids);
    return keys.map((key, k) => {
      const flight: Flight<V> = { seq, epoch, stale: false, promise: undefined as unknown as Promise<V> };
      flight.promise = reply.then(
        (values) => this.#settle(key, flight, values[k] as V),
        (error: unknown) => {
          this.#finish(key, flight);
          throw error;
        },
      );
      // a joiner may never come: the rejection is handled by the caller of getMany
      flight.promise.catch(() => {});
      this.#flights.set(key, flight);
      return flight.promise;
    });
  }

  #settle(key: string, flight: Flight<V>, value: V): V {
    // an answer older than one already served for the key is replaced by that newer one
    const entry = this.#entries.get(key);
    const served = this.#served.get(key);
    let answer = value;
    if (entry !== undefined && entry.seq > flight.seq) answer = entry.value;
    else if (served !== undefined && served.seq > flight.seq) answer = served.value;
    else {
      if (this.#staleInFlight.has(key)) this.#served.set(key, { seq: flight.seq, value });
      if (!flight.stale && flight.epoch === this.#epoch && this.#active) this.#store(key, value, flight.seq);
    }
    this.#finish(key, flight);
    return answer;
  }

  #finish(key: string, flight: Flight<V>): void {
    if (this.#flights.get(key) === flight) this.#flights.delete(key);
    if (flight.stale) {
      const left = (this.#staleInFlight.get(key) ?? 1) - 1;
      if (left > 0) this.#staleInFlight.set(key, left);
      else {
        this.#staleInFlight.delete(key);
        this.#served.delete(key);
      }
    }
  }

  #store(key: string, value: V, seq: number): void {
    const bytes = this.#sizeOf(key, value);
    const old = this.#entries.get(key);
    if (old !== undefined) {
      this.#bytes -= old.bytes;
      this.#entries.delete(key);
    }
    if (bytes > this.maxBytes) return;
    this.#entries.set(key, {
      value,
      derived: undefined,
      used: false,
      bytes,
      seq,
      storedAt: this.maxAgeMs > 0 ? Date.now() : 0,
    });
    this.#bytes += bytes;
    this.#stats.stores++;
    if (this.#bytes > this.maxBytes) this.#evict();
  }

  /**
   * CLOCK (second chance) over the map's insertion order: the oldest entry goes, unless it was
   * read since the hand last passed it; then it loses its flag and moves to the back. So a hit
   * costs a flag instead of a delete and a set (which, at tens of thousands of hits a second,
   * kept the map rehashing and the old generation churning), and eviction stays close to LRU.
   * Ends: each pass clears the flags it meets, so a second pass finds a victim.
   */
  #evict(): void {
    const entries = this.#entries;
    for (const [key, entry] of entries) {
      if (this.#bytes <= this.maxBytes) return;
      entries.delete(key);
      if (entry.used) {
        entry.used = false;
        entries.set(key, entry);
        continue;
      }
      this.#bytes -= entry.bytes;
      this.#stats.evictions++;
    }
  }

  /** The server (or a write of this process) says `key` changed: forget it and distrust reads in flight. */
  invalidate(key: string): void {
    const entry = this.#entries.get(key);
    if (entry !== undefined) {
      this.#bytes -= entry.bytes;
      this.#entries.delete(key);
    }
    const flight = this.#flights.get(key);
    if (flight !== undefined) {
      flight.stale = true;
      this.#flights.delete(key);
      this.#staleInFlight.set(key, (this.#staleInFlight.get(key) ?? 0) + 1);
    }
    this.#stats.invalidations++;
    this.#onInvalidate?.(key);
  }

  /** Empties the near-cache; reads in flight are not stored. `active`: whether answers may be stored from now on. */
  clear(active: boolean): void {
    this.#epoch++;
    this.#active = active;
    this.#entries.clear();
    this.#bytes = 0;
    for (const [key, flight] of this.#flights) {
      flight.stale = true;
      this.#staleInFlight.set(key, (this.#staleInFlight.get(key) ?? 0) + 1);
    }
    this.#flights.clear();
    this.#stats.clears++;
  }

  get active(): boolean {
    return this.#active;
  }

  /** Whether `key` has an entry (tests and measurements). */
  has(key: string): boolean {
    return this.#entries.has(key);
  }

  stats(): NearCacheStats {
    return { ...this.#stats, entries: this.#entries.size, bytes: this.#bytes, active: this.#active };
  }
}
