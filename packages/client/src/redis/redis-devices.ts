import { hash } from 'node:crypto';
import {
  type CacheInfo,
  coalesceReadings,
  type DeviceMetadata,
  type DevicePage,
  type DeviceUpdate,
  decodeMetadataHash,
  decodeReadingsRecord,
  encodeMetadataBody,
  encodeReadingsRecord,
  FINGERPRINT_WIDTH,
  type KeyScheme,
  type Reading,
  type UpsertResult,
} from '@org/cache-core';
import calculateSlot from 'cluster-key-slot';
import type { Cluster, Redis } from 'ioredis';
import { type DeviceIndexSource, listDevicesFrom } from '../listing/device-listing.js';
import type { DeviceListQuery } from '../transport.js';
import { type Scripts, sendScriptNow } from './connection.js';

/** Devices per Lua call: enough to amortize the call, small enough to keep Redis responsive. */
const DEVICES_PER_CALL = 100;
/** Device ids per index update call. */
const IDS_PER_INDEX_CALL = 2_000;
/** Expired index entries trimmed per index update. */
const TRIM_PER_CALL = 1_000;

type Arg = string | number | Buffer;

/** Device state in Redis: batched Lua writes, pipelined reads, and the TTL-following index. */
export class RedisDevices implements DeviceIndexSource {
  readonly ttlMs: number;
  readonly #redis: Redis | Cluster;
  readonly #scripts: Scripts;
  readonly #keys: KeyScheme;
  readonly #ttlSeconds: number;
  readonly #cluster: boolean;

  constructor(
    redis: Redis | Cluster,
    scripts: Scripts,
    keys: KeyScheme,
    ttlSeconds: number,
    cluster: boolean,
  ) {
    this.#redis = redis;
    this.#scripts = scripts;
    this.#keys = keys;
    this.#ttlSeconds = ttlSeconds;
    this.ttlMs = ttlSeconds * 1000;
    this.#cluster = cluster;
  }

  async upsert(readings: readonly Reading[]): Promise<UpsertResult> {
    const batch = coalesceReadings(readings);
    const stale = await this.#write(batch.devices);
    const written = readings.length - batch.superseded - stale;
    return { written, stale: readings.length - written, devices: batch.devices.length };
  }

  async storeMetadata(metadata: DeviceMetadata): Promise<void> {
    await this.#write([{ deviceId: metadata.device_id, readings: [], metadata }]);
  }

  /**
   * Lua calls of up to DEVICES_PER_CALL devices grouped by hash slot (any grouping when
   * standalone), each sent as soon as it is full, then the index update; one wait for all the
   * replies. Returns how many readings were stale.
   */
  async #write(updates: readonly DeviceUpdate[]): Promise<number> {
    const groups = new Map<number, { keys: string[]; args: Arg[] }>();
    const writes: Promise<unknown>[] = [];
    const send = (g: { keys: string[]; args: Arg[] }) =>
      writes.push(sendScriptNow(this.#redis, 'cacheUpsertDevices', [g.keys.length, ...g.keys, ...g.args]));
    for (const u of updates) {
      const metaKey = this.#keys.deviceMetadata(u.deviceId);
      const slot = this.#cluster ? calculateSlot(metaKey) : 0;
      let g = groups.get(slot);
      if (!g) {
        g = { keys: [], args: [this.#ttlSeconds] };
        groups.set(slot, g);
      }
      g.keys.push(metaKey, this.#keys.deviceReadings(u.deviceId));
      const metadataBody = u.metadata ? encodeMetadataBody(u.metadata) : '';
      const { record, oldestStamp } = encodeReadingsRecord(
        u.readings,
        u.metadata ? { stamp: u.metadata.last_updated, fingerprint: fingerprint(metadataBody) } : null,
      );
      g.args.push(record, oldestStamp, metadataBody);
      if (g.keys.length === 2 * DEVICES_PER_CALL) {
        send(g);
        groups.delete(slot);
        await flushWrites();
      }
    }
    for (const g of groups.values()) send(g);
    const indexing: Promise<unknown>[] = [];
    for (let i = 0; i < updates.length; i += IDS_PER_INDEX_CALL) {
      const ids = updates.slice(i, i + IDS_PER_INDEX_CALL).map((u) => u.deviceId);
      indexing.push(
        this.#scripts.cacheTouchDeviceIndex(
          2,
          this.#keys.deviceIndexById,
          this.#keys.deviceIndexByExpiry,
          this.ttlMs,
          TRIM_PER_CALL,
          ...ids,
        ),
      );
    }
    const [stale] = await Promise.all([
      Promise.all(writes).then((counts) => counts.reduce<number>((sum, n) => sum + Number(n), 0)),
      Promise.all(indexing),
    ]);
    return stale;
  }

  async metadataMany(ids: readonly string[]): Promise<(DeviceMetadata | null)[]> {
    const hashes = await Promise.all(ids.map((id) => this.#redis.hgetall(this.#keys.deviceMetadata(id))));
    return hashes.map((hash, i) => decodeMetadataHash(ids[i]!, hash));
  }

  async readings(id: string): Promise<Reading[]> {
    return decodeReadingsRecord(id, await this.#redis.get(this.#keys.deviceReadings(id)));
  }

  async reading(id: string, index: string): Promise<Reading | null> {
    return (await this.readings(id)).find((r) => r.index === index) ?? null;
  }

  async indexes(id: string): Promise<string[]> {
    return (await this.readings(id)).map((r) => r.index);
  }

  list(query: DeviceListQuery): Promise<DevicePage> {
    return listDevicesFrom(this, query);
  }

  async scanById(after: string | null, prefix: string, offset: number, count: number, minExpiry: number) {
    const min = after !== null ? `(${after}` : prefix ? `[${prefix}` : '-';
    const max = prefix ? Buffer.concat([Buffer.from(`[${prefix}`), Buffer.from([0xff])]) : '+';
    const out = (await this.#scripts.cacheScanDeviceIndex(
      2,
      this.#keys.deviceIndexById,
      this.#keys.deviceIndexByExpiry,
      min,
      max,
      offset,
      count,
      minExpiry,
    )) as [number, string, number, ...string[]];
    const live: [string, number][] = [];
    for (let i = 3; i < out.length; i += 2) live.push([out[i] as string, Number(out[i + 1])]);
    return { examined: out[0], lastExamined: out[1], live };
  }

  async scanByExpiry(maxExpiry: number, skip: number, count: number, minExpiry: number) {
    const out = (await this.#scripts.cacheScanDeviceIndexByExpiry(
      1,
      this.#keys.deviceIndexByExpiry,
      Number.isFinite(maxExpiry) ? maxExpiry : '+inf',
      skip,
      count,
      minExpiry,
    )) as [number, ...string[]];
    const rows: [string, number][] = [];
    for (let i = 1; i < out.length; i += 2) rows.push([out[i] as string, Number(out[i + 1])]);
    return rows;
  }

  async info(): Promise<
    Pick<CacheInfo, 'total_devices' | 'oldest_entry_timestamp' | 'newest_entry_timestamp' | 'expired_pending'>
  > {
    const [live, indexed, , oldest, newest] = (await this.#scripts.cacheDeviceIndexInfo(
      2,
      this.#keys.deviceIndexById,
      this.#keys.deviceIndexByExpiry,
    )) as [number, number, number, string, string];
    const stamp = (score: string) =>
      score === '' ? null : new Date(Number(score) - this.ttlMs).toISOString();
    return {
      total_devices: live,
      expired_pending: indexed - live,
      oldest_entry_timestamp: stamp(oldest),
      newest_entry_timestamp: stamp(newest),
    };
  }
}

/** A digest of the metadata fields: equal fingerprints let a write move only `last_updated`. */
function fingerprint(metadataBody: string): string {
  return hash('sha1', metadataBody, 'base64').slice(0, FINGERPRINT_WIDTH);
}

/**
 * Lets the event loop write out the calls already sent: a call is larger than the socket buffer,
 * so without this Redis would wait for the whole batch to be encoded instead of working alongside.
 */
function flushWrites(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
