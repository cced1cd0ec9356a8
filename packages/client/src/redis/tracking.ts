import { Cluster, type Redis } from 'ioredis';

/**
 * Server-assisted client-side caching in redirect mode (ioredis speaks RESP2, no push messages):
 * per Redis master, a subscriber connection on `__redis__:invalidate` and
 * `CLIENT TRACKING on REDIRECT <its id> BCAST PREFIX <prefix>` on the command connection. In BCAST
 * mode Redis keeps no per-key table: every change of a key under the prefix is sent, batched per
 * event-loop turn, to every tracking client.
 *
 * Whenever either connection of a pair drops or is replaced, or the set of masters changes, the
 * listener's `reset(false)` empties the near-cache; once every master's pair is on again,
 * `reset(true)` lets answers be stored again.
 */
export interface TrackingListener {
  /** Keys that changed (Redis key names). */
  invalidate(keys: string[]): void;
  /** FLUSHALL / FLUSHDB: every key changed; tracking stays as it is. */
  invalidateAll(): void;
  /** Tracking went off (a lost connection, a topology change: empty everything) or on everywhere again. */
  reset(active: boolean): void;
}

const CHANNEL = '__redis__:invalidate';
const REOPEN_MS = 100;

/** One master's pair: its command connection (shared with the client) and a subscriber of ours. */
class TrackingPair {
  readonly command: Redis;
  readonly #prefix: string;
  readonly #listener: TrackingListener;
  readonly #changed: () => void;
  #subscriber: Redis | null = null;
  #subscriberId: number | null = null;
  #generation = 0;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;
  on = false;

  constructor(command: Redis, prefix: string, listener: TrackingListener, changed: () => void) {
    this.command = command;
    this.#prefix = prefix;
    this.#listener = listener;
    this.#changed = changed;
    command.on('close', this.#onCommandClose);
    command.on('ready', this.#onCommandReady);
    this.#openSubscriber();
  }

  readonly #onCommandClose = () => this.#off();
  readonly #onCommandReady = () => void this.#enable();

  #off(): void {
    this.#generation++;
    this.on = false;
    this.#changed();
  }

  #openSubscriber(): void {
    if (this.#closed) return;
    const subscriber = this.command.duplicate({
      retryStrategy: () => null,
      autoResubscribe: false,
      enableAutoPipelining: false,
      lazyConnect: false,
      maxRetriesPerRequest: 0,
    });
    this.#subscriber = subscriber;
    this.#subscriberId = null;
    subscriber.on('error', () => {});
    subscriber.on('close', () => {
      if (this.#subscriber !== subscriber) return;
      this.#subscriber = null;
      this.#subscriberId = null;
      this.#off();
      subscriber.disconnect();
      if (!this.#closed) this.#timer = setTimeout(() => this.#openSubscriber(), REOPEN_MS);
    });
    subscriber.on('messageBuffer', (_channel: Buffer, message: Buffer[] | Buffer | null) => {
      if (Array.isArray(message)) this.#listener.invalidate(message.map((k) => k.toString()));
      else this.#listener.invalidateAll(); // null: FLUSHALL / FLUSHDB
    });
    (async () => {
      const id = Number(await subscriber.client('ID'));
      await subscriber.subscribe(CHANNEL);
      if (this.#subscriber !== subscriber) return;
      this.#subscriberId = id;
      await this.#enable();
    })().catch(() => subscriber.disconnect());
  }

  /** (Re-)issues CLIENT TRACKING on the command connection, redirected to the current subscriber. */
  async #enable(): Promise<void> {
    const id = this.#subscriberId;
    if (this.#closed || id === null) return;
    if (this.command.status === 'wait') {
      // a Cluster node connects on its first command: connect it now; its `ready` brings us back
      this.command.connect().catch(() => {});
      return;
    }
    if (this.command.status !== 'ready') return;
    const generation = ++this.#generation;
    this.on = false;
    this.#changed();
    try {
      await this.command.call('CLIENT', 'TRACKING', 'off');
      await this.command.call(
        'CLIENT',
        'TRACKING',
        'on',
        'REDIRECT',
        String(id),
        'BCAST',
        'PREFIX',
        this.#prefix,
      );
    } catch {
      return; // the connection dropped: its events bring us back here
    }
    if (generation !== this.#generation || this.#subscriberId !== id) return;
    this.on = true;
    this.#changed();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.command.off('close', this.#onCommandClose);
    this.command.off('ready', this.#onCommandReady);
    this.#subscriber?.disconnect();
    this.#subscriber = null;
    this.on = false;
  }
}

/** Follows invalidations of every key under `prefix`, on a standalone Redis or every master of a Cluster. */
export class InvalidationTracker {
  readonly #redis: Redis | Cluster;
  readonly #prefix: string;
  readonly #listener: TrackingListener;
  readonly #pairs = new Map<string, TrackingPair>();
  #active = false;
  #closed = false;

  constructor(redis: Redis | Cluster, prefix: string, listener: TrackingListener) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#listener = listener;
    listener.reset(false);
    if (redis instanceof Cluster) {
      for (const event of ['refresh', '+node', '-node', 'ready', 'close']) redis.on(event, this.#reconcile);
      this.#reconcile();
    } else {
      this.#pairs.set('standalone', new TrackingPair(redis, prefix, listener, this.#changed));
    }
  }

  /** Cluster: one pair per current master; pairs of nodes no longer masters are closed. */
  readonly #reconcile = () => {
    if (this.#closed || !(this.#redis instanceof Cluster)) return;
    const masters = new Map<string, Redis>();
    for (const node of this.#redis.nodes('master'))
      masters.set(`${node.options.host}:${node.options.port}`, node);
    let changed = false;
    for (const [name, pair] of this.#pairs) {
      if (masters.get(name) !== pair.command) {
        pair.close();
        this.#pairs.delete(name);
        changed = true;
      }
    }
    for (const [name, node] of masters) {
      if (!this.#pairs.has(name)) {
        this.#pairs.set(name, new TrackingPair(node, this.#prefix, this.#listener, this.#changed));
        changed = true;
      }
    }
    if (changed) {
      this.#active = false;
      this.#listener.reset(false);
    }
    this.#changed();
  };

  readonly #changed = () => {
    if (this.#closed) return;
    let all = this.#pairs.size > 0 && this.#redis.status === 'ready';
    for (const pair of this.#pairs.values()) all &&= pair.on;
    if (all === this.#active) return;
    // a pair off empties the near-cache; every pair on again lets it store answers
    this.#active = all;
    this.#listener.reset(all);
  };

  /** True while every master's pair is on. */
  get active(): boolean {
    return this.#active;
  }

  close(): void {
    this.#closed = true;
    if (this.#redis instanceof Cluster) {
      for (const event of ['refresh', '+node', '-node', 'ready', 'close'])
        this.#redis.off(event, this.#reconcile);
    }
    for (const pair of this.#pairs.values()) pair.close();
    this.#pairs.clear();
    this.#listener.reset(false);
  }
}
