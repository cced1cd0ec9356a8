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
  type FutureDevice,
  type FutureDevicePage,
  type KeyScheme,
  type OutboxSettings,
  RECORD_FIXED_HEAD,
  RECORD_METADATA_END,
  type Reading,
  type ResetDeviceResult,
  STALE_SAMPLES_MAX,
  type StaleSample,
  TIMESTAMP_WIDTH,
  type UpsertResult,
} from '@org/cache-core';
import calculateSlot from 'cluster-key-slot';
import type { Cluster, Redis } from 'ioredis';
import { decodeCursor, encodeCursor } from '../listing/cursor.js';
import { type DeviceIndexSource, FUTURE_SCAN_PER_CALL, listDevicesFrom } from '../listing/device-listing.js';
import { deviceCorrelationIds } from '../memory/device-correlation.js';
import type { DeviceListQuery, FutureDeviceQuery, WriteContext } from '../transport.js';
import { type Scripts, sendScriptNow } from './connection.js';

/** Devices per Lua call: enough to amortize the call, small enough to keep Redis responsive. */
const DEVICES_PER_CALL = 100;
/** Device ids per index update call. */
const IDS_PER_INDEX_CALL = 2_000;
/** Expired index entries trimmed per index update. */
const TRIM_PER_CALL = 1_000;

type Arg = string | number | Buffer;
interface Group {
  ids: string[];
  keys: string[];
  args: Arg[];
}

/** Device state in Redis: batched Lua writes, pipelined reads, and the TTL-following index. */
export class RedisDevices implements DeviceIndexSource {
  readonly ttlMs: number;
  readonly #redis: Redis | Cluster;
  readonly #scripts: Scripts;
  readonly #keys: KeyScheme;
  readonly #ttlSeconds: number;
  readonly #cluster: boolean;
  /** The script's outbox arguments but the correlation id: on, max length, max age ms, service. */
  readonly #outboxArgs: string[];

  constructor(
    redis: Redis | Cluster,
    scripts: Scripts,
    keys: KeyScheme,
    ttlSeconds: number,
    cluster: boolean,
    outbox: OutboxSettings,
  ) {
    this.#redis = redis;
    this.#scripts = scripts;
    this.#keys = keys;
    this.#ttlSeconds = ttlSeconds;
    this.ttlMs = ttlSeconds * 1000;
    this.#cluster = cluster;
    this.#outboxArgs = outboxArgs(outbox);
  }

  async upsert(readings: readonly Reading[], context?: WriteContext): Promise<UpsertResult> {
    const batch = coalesceReadings(readings);
    const own = deviceCorrelationIds(readings, batch.devices, context);
    const { stale, staleSamples } = await this.#write(batch.devices, context, own);
    const written = readings.length - batch.superseded - stale;
    return { written, stale: readings.length - written, devices: batch.devices.length, staleSamples };
  }

  async storeMetadata(metadata: DeviceMetadata, context?: WriteContext): Promise<void> {
    await this.#write([{ deviceId: metadata.device_id, readings: [], metadata }], context, null);
  }

  /**
   * Lua calls of up to DEVICES_PER_CALL devices grouped by hash slot (any grouping when
   * standalone), each sent as soon as it is full, then the index update; one wait for all the
   * replies. Returns how many readings were stale, and up to STALE_SAMPLES_MAX of them.
   *
   * The index is updated alongside the writes (no extra round trip). When a write call fails, the
   * index entries of its devices that have no state are removed again before the error is thrown,
   * so the index never lists a device that answers 404.
   *
   * `own`: each device's own correlation id ('' or null: the call's `correlationId`).
   */
  async #write(
    updates: readonly DeviceUpdate[],
    context: WriteContext | undefined,
    own: readonly string[] | null,
  ): Promise<{ stale: number; staleSamples: StaleSample[] }> {
    const head = [this.#ttlSeconds, ...this.#outboxArgs, context?.correlationId ?? ''];
    const groups = new Map<number, Group>();
    const sent: { ids: string[]; reply: Promise<unknown> }[] = [];
    const send = (g: Group) => {
      const reply = sendScriptNow(this.#redis, 'cacheUpsertDevices', [g.keys.length, ...g.keys, ...g.args]);
      // handled below (allSettled); until then a failure must not count as an unhandled rejection
      reply.catch(() => {});
      sent.push({ ids: g.ids, reply });
    };
    for (let k = 0; k < updates.length; k++) {
      const u = updates[k]!;
      const metaKey = this.#keys.deviceMetadata(u.deviceId);
      const slot = this.#cluster ? calculateSlot(metaKey) : 0;
      let g = groups.get(slot);
      if (!g) {
        g = { ids: [], keys: [], args: [...head] };
        groups.set(slot, g);
      }
      g.ids.push(u.deviceId);
      g.keys.push(metaKey, this.#keys.deviceReadings(u.deviceId), this.#keys.deviceEvents(u.deviceId));
      const metadataBody = u.metadata ? encodeMetadataBody(u.metadata) : '';
      const { record, oldestStamp } = encodeReadingsRecord(
        u.readings,
        u.metadata ? { stamp: u.metadata.last_updated, fingerprint: fingerprint(metadataBody) } : null,
      );
      g.args.push(record, oldestStamp, metadataBody, u.deviceId, own === null ? '' : own[k]!);
      if (g.keys.length === 3 * DEVICES_PER_CALL) {
        send(g);
        groups.delete(slot);
        await flushWrites();
      }
    }
    for (const g of groups.values()) send(g);
    const indexing: Promise<unknown>[] = [];
    for (let i = 0; i < updates.length; i += IDS_PER_INDEX_CALL) {
      const ids = updates.slice(i, i + IDS_PER_INDEX_CALL).map((u) => u.deviceId);
      indexing.push(this.#touchIndex(ids));
    }
    const [replies, indexed] = await Promise.all([
      Promise.allSettled(sent.map((s) => s.reply)),
      Promise.allSettled(indexing),
    ]);
    let stale = 0;
    const staleSamples: StaleSample[] = [];
    const failedIds: string[] = [];
    let failure: unknown = null;
    replies.forEach((reply, k) => {
      if (reply.status === 'rejected') {
        failure ??= reply.reason;
        failedIds.push(...sent[k]!.ids);
        return;
      }
      const value = reply.value as number | [number, ...(number | string)[]];
      if (typeof value === 'number') {
        stale += value;
        return;
      }
      stale += Number(value[0]);
      for (let i = 1; i + 2 < value.length && staleSamples.length < STALE_SAMPLES_MAX; i += 3) {
        staleSamples.push({
          device_id: sent[k]!.ids[Number(value[i]) - 1]!,
          index: String(value[i + 1]),
          timestamp: String(value[i + 2]),
        });
      }
    });
    if (failure !== null) {
      await this.#unindexStateless(failedIds).catch(() => {});
      throw failure;
    }
    const indexFailure = indexed.find((r) => r.status === 'rejected');
    if (indexFailure) throw (indexFailure as PromiseRejectedResult).reason;
    return { stale, staleSamples };
  }

  #touchIndex(ids: readonly string[]): Promise<unknown> {
    return this.#scripts.cacheTouchDeviceIndex(
      2,
      this.#keys.deviceIndexById,
      this.#keys.deviceIndexByExpiry,
      this.ttlMs,
      TRIM_PER_CALL,
      ...ids,
    );
  }

  /** After a failed write: drops the index entries of those devices that have no state. */
  async #unindexStateless(ids: readonly string[]): Promise<void> {
    const exists = await Promise.all(ids.map((id) => this.#redis.exists(this.#keys.deviceReadings(id))));
    const gone = ids.filter((_, i) => exists[i] === 0);
    if (gone.length === 0) return;
    await Promise.all([
      this.#redis.zrem(this.#keys.deviceIndexById, ...gone),
      this.#redis.zrem(this.#keys.deviceIndexByExpiry, ...gone),
    ]);
  }

  /** Deletes the device's two keys and appends its `reset` event (one slot, one script), then its index entries. */
  async reset(id: string, context?: WriteContext): Promise<ResetDeviceResult> {
    const [on, maxLength, , service] = this.#outboxArgs;
    const [deleted, byId, byExpiry] = await Promise.all([
      this.#scripts.cacheResetDevice(
        3,
        this.#keys.deviceMetadata(id),
        this.#keys.deviceReadings(id),
        this.#keys.deviceEvents(id),
        on!,
        maxLength!,
        service!,
        context?.correlationId ?? '',
        id,
      ) as Promise<number>,
      this.#redis.zrem(this.#keys.deviceIndexById, id),
      this.#redis.zrem(this.#keys.deviceIndexByExpiry, id),
    ]);
    return { device_id: id, existed: deleted + byId + byExpiry > 0 };
  }

  /**
   * One bounded step over the id index: at most FUTURE_SCAN_PER_CALL ids, each device's newest
   * stamp read from the fixed-width head of its readings record (GETRANGE, no parsing of the
   * readings): the newer of the metadata stamp and the newest reading stamp.
   */
  async future(query: FutureDeviceQuery): Promise<FutureDevicePage> {
    const after = query.cursor === null ? null : decodeCursor(query.cursor, 'id').after;
    const ids = await this.#redis.zrangebylex(
      this.#keys.deviceIndexById,
      after === null ? '-' : `(${after}`,
      '+',
      'LIMIT',
      0,
      FUTURE_SCAN_PER_CALL,
    );
    const heads = await Promise.all(
      ids.map((id) => this.#redis.getrange(this.#keys.deviceReadings(id), 0, RECORD_FIXED_HEAD - 1)),
    );
    const devices: FutureDevice[] = [];
    let last = -1;
    for (let i = 0; i < ids.length; i++) {
      last = i;
      const newest = newestStamp(heads[i]!);
      if (newest !== null && newest > query.after) {
        devices.push({ device_id: ids[i]!, newest_timestamp: newest });
        if (devices.length === query.limit) break;
      }
    }
    const more = last >= 0 && (last < ids.length - 1 || ids.length === FUTURE_SCAN_PER_CALL);
    return { devices, next_cursor: more ? encodeCursor({ s: 'id', after: ids[last]! }) : null };
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

/** The newer of a record head's metadata stamp and newest reading stamp; null when it has neither. */
function newestStamp(head: string): string | null {
  if (head.length < RECORD_FIXED_HEAD) return null;
  const meta = head.slice(0, TIMESTAMP_WIDTH);
  const readings = head.slice(RECORD_METADATA_END, RECORD_FIXED_HEAD);
  let newest = readings;
  if (meta > newest) newest = meta; // strings: Math.max does not apply
  return newest.trim() === '' ? null : newest;
}

/** The write scripts' first outbox arguments: on ('1' or ''), max length, max age ms, service id. */
export function outboxArgs(outbox: OutboxSettings): string[] {
  return [
    outbox.enabled ? '1' : '',
    String(outbox.maxLength),
    String(outbox.maxAgeSeconds * 1000),
    outbox.serviceId,
  ];
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
