import type { CachePolicy } from './cache-policy.js';
import { parseCachePolicy } from './cache-policy.js';
import type { CompressionAlgorithm } from './stored-value.js';

/** What a transport's installed value codec can do (the API checks it before a write). */
export interface InstalledValueCodec {
  /** A key ring is configured: encryption can be honoured. */
  encryption: boolean;
  compressionAlgorithm: CompressionAlgorithm;
  compressionThreshold: number;
}

const codecs = new WeakMap<object, InstalledValueCodec>();
const policies = new WeakMap<object, CachePolicySource>();

/** Records the codec installed on a transport (`installValueCodec` of the client calls it). */
export function registerValueCodec(transport: object, codec: InstalledValueCodec): void {
  codecs.set(transport, codec);
}

/** The codec installed on a transport, or undefined (then writes are stored as plain JSON). */
export function valueCodecOf(transport: object): InstalledValueCodec | undefined {
  return codecs.get(transport);
}

/**
 * The cache-type policy of a deployment, reloadable: `load` reads the policy file's text (the app
 * does the I/O; null: no policy). A failed reload keeps the previous policy.
 */
export class CachePolicySource {
  readonly #load: (() => Promise<string>) | null;
  #current: CachePolicy | null = null;

  constructor(load: (() => Promise<string>) | null, initial: CachePolicy | null = null) {
    this.#load = load;
    this.#current = initial;
  }

  /** A source from a policy's text, read once (ValidationError when it is bad). */
  static async open(load: () => Promise<string>): Promise<CachePolicySource> {
    return new CachePolicySource(load, parseCachePolicy(await load()));
  }

  get current(): CachePolicy | null {
    return this.#current;
  }

  /** Re-reads the file; answers the cache types per service. Throws (keeping the old policy) when it is bad. */
  async reload(): Promise<Record<string, number> | null> {
    if (this.#load === null) return null;
    const next = parseCachePolicy(await this.#load());
    this.#current = next;
    return next.counts;
  }
}

/** Attaches a deployment's policy to its transport: the codec and the API's v2 writes consult it. */
export function attachCachePolicy(transport: object, source: CachePolicySource): void {
  policies.set(transport, source);
}

export function cachePolicyOf(transport: object): CachePolicySource | undefined {
  return policies.get(transport);
}
