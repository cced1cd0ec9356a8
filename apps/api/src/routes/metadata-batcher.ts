import type { CacheClient } from '@org/cache-client';
import type { DeviceMetadata } from '@org/cache-core';

interface Waiting {
  id: string;
  resolve: (m: DeviceMetadata | null) => void;
  reject: (error: unknown) => void;
}

const MAX_BATCH = 500;

/**
 * Gathers the single-device metadata reads of one event-loop turn (every request whose bytes
 * arrived together) into one `getDeviceMetadataMany`: one pipelined round and one socket write to
 * Redis for all of them, instead of a write per request. Costs at most one turn of latency.
 */
export class MetadataBatcher {
  readonly #client: CacheClient;
  #waiting: Waiting[] = [];
  #scheduled = false;

  constructor(client: CacheClient) {
    this.#client = client;
  }

  /** The metadata of one device; `id` is already checked (by the route's parameter), so a bad id fails alone. */
  load(id: string): Promise<DeviceMetadata | null> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ id, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    this.#scheduled = false;
    for (let i = 0; i < waiting.length; i += MAX_BATCH) this.#run(waiting.slice(i, i + MAX_BATCH));
  }

  #run(batch: Waiting[]): void {
    this.#client.getDeviceMetadataMany(batch.map((w) => w.id)).then(
      (found) => {
        for (let i = 0; i < batch.length; i++) batch[i]!.resolve(found[i] ?? null);
      },
      (error: unknown) => {
        for (const w of batch) w.reject(error);
      },
    );
  }
}
