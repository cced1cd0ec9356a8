import {
  assertCacheKey,
  assertDeviceId,
  assertGlob,
  assertIndex,
  assertTenant,
  type CacheEntry,
  type CacheEvent,
  type CacheInfo,
  checkCorrelationId,
  checkEventId,
  checkJsonDepth,
  checkMetadataBounds,
  DEFAULT_MAX_FUTURE_SKEW_MS,
  DeviceMetadata,
  type DevicePage,
  type FutureDevicePage,
  type HealthStatus,
  INPUT_BOUNDS,
  inputProblemError,
  type JsonValue,
  type KvWriteOptions,
  type ListDevicesOptions,
  type ListFutureDevicesOptions,
  normalizeTimestamp,
  type Reading,
  type ResetDeviceResult,
  readingBoundsChecker,
  type SetOptions,
  type TenantStats,
  TooLargeError,
  timestampFromMillis,
  timestampToMillis,
  type UpsertResult,
  ValidationError,
  withKvOptions,
} from '@org/cache-core';
import type { CacheTransport, EventPage, KeyPage, KvSetItem, WriteContext } from './transport.js';
import { type WatchOptions, type WatchQuery, watchQuery } from './watch.js';

/** Options of every write call. */
export interface WriteOptions {
  /** The correlation id of the request or message causing the write, carried by its events (default null). */
  correlationId?: string | null;
}

/** Options of `upsertReadings`. */
export interface UpsertOptions extends WriteOptions {
  /**
   * Per reading (same positions), the correlation id of the message that carried it: each device's
   * event carries the one of its newest reading, else `correlationId`. Invalid ids are replaced
   * by `correlationId`, never refused (see `WriteContext.correlationIds`).
   */
  correlationIds?: readonly (string | null | undefined)[];
}

/** Reads the outbox: events after `since` (an event id; default from the oldest kept), `limit` at most (1-1000, default 100). */
export interface ReadEventsOptions {
  since?: string | null;
  limit?: number;
}

export interface CacheClientOptions {
  /** Tenant of the generic cache methods (default `default`). */
  tenant?: string;
  /** TTL in seconds of generic cache entries set without one (default 3600; null: never expire). */
  defaultTtlSeconds?: number | null;
  /** Largest JSON-encoded value `set` accepts, in bytes (default 10 MiB). */
  maxValueBytes?: number;
  /**
   * How far ahead of this client's clock a reading's `timestamp` (or metadata `last_updated`) may
   * be, in ms (default DEFAULT_MAX_FUTURE_SKEW_MS, 5 minutes); further is refused (CACHE_007).
   */
  maxFutureSkewMs?: number;
}

export interface ListKeysOptions {
  limit?: number;
  cursor?: string | null;
}

const MAX_PAGE = 1000;

/**
 * The one client of the cache: device state and a tenant-scoped key/value cache, over any
 * transport (memory, Redis, Redis Cluster, HTTP). Every argument is validated here, so each
 * transport rejects the same bad input with the same error (`CACHE_004` for ids and keys).
 */
export class CacheClient implements AsyncDisposable {
  readonly transport: CacheTransport;
  readonly tenant: string;
  readonly #options: Required<Omit<CacheClientOptions, 'tenant'>>;
  readonly #ownsTransport: boolean;

  constructor(transport: CacheTransport, options: CacheClientOptions = {}, ownsTransport = true) {
    this.transport = transport;
    this.tenant = assertTenant(options.tenant ?? 'default');
    const maxFutureSkewMs = options.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS;
    if (!Number.isFinite(maxFutureSkewMs) || maxFutureSkewMs < 0) {
      throw new ValidationError('maxFutureSkewMs must be a non-negative number of milliseconds', {
        details: { field: 'maxFutureSkewMs' },
      });
    }
    this.#options = {
      defaultTtlSeconds: options.defaultTtlSeconds === undefined ? 3600 : options.defaultTtlSeconds,
      maxValueBytes: options.maxValueBytes ?? 10 * 1024 * 1024,
      maxFutureSkewMs,
    };
    this.#ownsTransport = ownsTransport;
  }

  /** How far ahead of this client's clock a timestamp may be (ms). */
  get maxFutureSkewMs(): number {
    return this.#options.maxFutureSkewMs;
  }

  /** The same connection, scoped to another tenant. Closing it does not close the connection. */
  forTenant(tenant: string): CacheClient {
    return new CacheClient(this.transport, { ...this.#options, tenant }, false);
  }

  // ---- devices ----

  /** Writes a batch of readings; per device and index the newest timestamp wins, in the batch and in the store. */
  /**
   * Writes a batch of readings; per device and index the newest timestamp wins, in the batch and in
   * the store. Every reading is checked against INPUT_BOUNDS and the future skew first: when one is
   * out of bounds, nothing of the call is written and the error's details name it
   * (`{ position, device_id, index, reason }`).
   */
  async upsertReadings(readings: readonly Reading[], options: UpsertOptions = {}): Promise<UpsertResult> {
    let context = writeContext(options);
    if (Array.isArray(options.correlationIds))
      context = { ...context, correlationIds: options.correlationIds };
    if (!Array.isArray(readings)) {
      throw new ValidationError('readings must be an array', { details: { field: 'readings' } });
    }
    if (readings.length === 0) return { written: 0, stale: 0, devices: 0, staleSamples: [] };
    const check = readingBoundsChecker({ nowMs: Date.now(), maxFutureSkewMs: this.#options.maxFutureSkewMs });
    for (let position = 0; position < readings.length; position++) {
      const r = readings[position]!;
      const problem = check(r);
      if (problem !== null) {
        throw inputProblemError(problem, {
          position,
          device_id: shortId(r?.device_id),
          index: shortId(r?.index),
          reason: problem.reason,
        });
      }
    }
    return this.transport.upsertReadings(readings, context);
  }

  /** Stores metadata for a device unless the stored metadata is newer (by `last_updated`). */
  async storeDeviceMetadata(
    deviceId: string,
    metadata: Omit<DeviceMetadata, 'device_id' | 'additional_properties'> &
      Partial<Pick<DeviceMetadata, 'additional_properties'>>,
    options: WriteOptions = {},
  ): Promise<void> {
    const context = writeContext(options);
    assertDeviceId(deviceId);
    const parsed = DeviceMetadata.safeParse({ additional_properties: {}, ...metadata, device_id: deviceId });
    if (!parsed.success) {
      throw new ValidationError(`invalid device metadata: ${parsed.error.issues[0]?.message}`, {
        details: { device_id: deviceId, field: parsed.error.issues[0]?.path.join('.') },
      });
    }
    const last_updated = normalizeTimestamp(parsed.data.last_updated);
    if (last_updated === null) {
      throw new ValidationError('last_updated must be an ISO 8601 date-time', {
        details: { device_id: deviceId },
      });
    }
    const full = { ...parsed.data, last_updated };
    const problem = checkMetadataBounds(full, {
      nowMs: Date.now(),
      maxFutureSkewMs: this.#options.maxFutureSkewMs,
    });
    if (problem !== null) {
      throw inputProblemError(problem, {
        position: 0,
        device_id: deviceId,
        index: null,
        reason: problem.reason,
      });
    }
    await this.transport.storeDeviceMetadata(full, context);
  }

  /** Admin: removes a device's metadata, readings and index entries (e.g. state poisoned by a future timestamp). */
  async resetDevice(deviceId: string, options: WriteOptions = {}): Promise<ResetDeviceResult> {
    const context = writeContext(options);
    return this.transport.resetDevice(assertDeviceId(deviceId), context);
  }

  /**
   * Admin: devices whose newest reading or `last_updated` is after `after` (default: now +
   * maxFutureSkewMs). Bounded work per call: a page may be short and still have a cursor.
   */
  async listFutureDevices(options: ListFutureDevicesOptions = {}): Promise<FutureDevicePage> {
    const limit = checkLimit(options.limit ?? 100);
    let after: string | null;
    if (options.after === undefined) {
      after = timestampFromMillis(Math.min(Date.now() + this.#options.maxFutureSkewMs, MAX_INSTANT));
    } else {
      after = typeof options.after === 'string' ? normalizeTimestamp(options.after) : null;
      if (after === null) {
        throw new ValidationError('after must be an ISO 8601 date-time', { details: { field: 'after' } });
      }
    }
    return this.transport.listFutureDevices({ after, limit, cursor: checkCursor(options.cursor) });
  }

  async getDeviceMetadata(deviceId: string): Promise<DeviceMetadata | null> {
    const [metadata] = await this.transport.getDeviceMetadataMany([assertDeviceId(deviceId)]);
    return metadata ?? null;
  }

  /** Metadata of many devices in one pipelined round; `null` where a device is unknown. */
  async getDeviceMetadataMany(deviceIds: readonly string[]): Promise<(DeviceMetadata | null)[]> {
    if (deviceIds.length === 0) return [];
    return this.transport.getDeviceMetadataMany(deviceIds.map(assertDeviceId));
  }

  /** The latest reading per index (sorted by index), or only the one of `index`. */
  async getReadings(deviceId: string, index?: string): Promise<Reading[]> {
    assertDeviceId(deviceId);
    if (index === undefined) return this.transport.getReadings(deviceId);
    const reading = await this.transport.getReading(deviceId, assertIndex(index));
    return reading ? [reading] : [];
  }

  async listIndexes(deviceId: string): Promise<string[]> {
    return this.transport.listIndexes(assertDeviceId(deviceId));
  }

  async listDevices(options: ListDevicesOptions = {}): Promise<DevicePage> {
    const limit = checkLimit(options.limit ?? 100);
    const offset = options.offset ?? 0;
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > INPUT_BOUNDS.maxListOffset) {
      throw new ValidationError(`offset must be an integer from 0 to ${INPUT_BOUNDS.maxListOffset}`, {
        details: { field: 'offset' },
      });
    }
    const sort = options.sort ?? 'id';
    if (sort !== 'id' && sort !== 'updated') {
      throw new ValidationError('sort must be "id" or "updated"', { details: { field: 'sort' } });
    }
    return this.transport.listDevices({
      limit,
      offset,
      sort,
      cursor: checkCursor(options.cursor),
      pattern: options.pattern === undefined || options.pattern === '*' ? null : assertGlob(options.pattern),
      updatedSince: options.updatedSince === undefined ? null : toMillis(options.updatedSince),
    });
  }

  async getCacheInfo(): Promise<CacheInfo> {
    return this.transport.getCacheInfo();
  }

  async checkHealth(): Promise<HealthStatus> {
    return this.transport.checkHealth();
  }

  // ---- generic cache, scoped to this.tenant ----

  async get(key: string): Promise<CacheEntry | null> {
    const [entry] = await this.transport.kvGet(this.tenant, [assertCacheKey(key)]);
    return entry ?? null;
  }

  async getMany(keys: readonly string[]): Promise<(CacheEntry | null)[]> {
    if (keys.length === 0) return [];
    return this.transport.kvGet(this.tenant, keys.map(assertCacheKey));
  }

  /**
   * Sets a key. Tenant-cache options (`compression`, `encryption`, `consistency`, `cacheType`;
   * see `KvWriteOptions`) travel to the transport: a codec installed on it applies them (over HTTP,
   * the API does); encryption without a keyed codec is refused (CACHE_007).
   */
  async set(
    key: string,
    value: JsonValue,
    options: SetOptions & WriteOptions & KvWriteOptions = {},
  ): Promise<CacheEntry> {
    const context = withKvOptions(writeContext(options), options, this.transport);
    const [entry] = await this.transport.kvSet(this.tenant, [this.#item(key, value, options.ttl)], context);
    return entry!;
  }

  async setMany(
    items: readonly { key: string; value: JsonValue; ttl?: number | null }[],
    options: WriteOptions & KvWriteOptions = {},
  ): Promise<CacheEntry[]> {
    const context = withKvOptions(writeContext(options), options, this.transport);
    if (items.length === 0) return [];
    return this.transport.kvSet(
      this.tenant,
      items.map((i) => this.#item(i.key, i.value, i.ttl)),
      context,
    );
  }

  /** True when the key existed. */
  async delete(key: string, options: WriteOptions = {}): Promise<boolean> {
    const context = writeContext(options);
    return (await this.transport.kvDelete(this.tenant, [assertCacheKey(key)], context)) > 0;
  }

  /** Deletes this tenant's keys matching a glob; returns how many. Other tenants are never touched. */
  async invalidate(pattern: string, options: WriteOptions = {}): Promise<number> {
    const context = writeContext(options);
    return this.transport.kvInvalidate(this.tenant, assertGlob(pattern), context);
  }

  /** This tenant's live keys matching a glob, a page at a time. */
  async listKeys(pattern = '*', options: ListKeysOptions = {}): Promise<KeyPage> {
    const limit = checkLimit(options.limit ?? 100);
    return this.transport.kvListKeys(this.tenant, assertGlob(pattern), limit, checkCursor(options.cursor));
  }

  /** Deletes every key of this tenant; returns how many. */
  async clearTenant(options: WriteOptions = {}): Promise<number> {
    return this.transport.kvClearTenant(this.tenant, writeContext(options));
  }

  async stats(): Promise<TenantStats> {
    return this.transport.kvStats(this.tenant);
  }

  /** Admin: deletes every key of the cache (devices and all tenants). */
  async flush(options: WriteOptions = {}): Promise<void> {
    return this.transport.flush(writeContext(options));
  }

  /**
   * Reads the change outbox (every tenant's and device's events, in id order). Not on the HTTP
   * transport (CACHE_007): over HTTP, follow the SSE feed.
   */
  async readEvents(options: ReadEventsOptions = {}): Promise<EventPage> {
    const since = checkEventId(options.since);
    const limit = checkLimit(options.limit ?? 100);
    if (!this.transport.readEvents) {
      throw new ValidationError(`the ${this.transport.kind} transport cannot read the outbox`, {
        details: { field: 'transport' },
      });
    }
    return this.transport.readEvents(since, limit);
  }

  /**
   * Follows the change events as an async iterator (`for await (const e of cache.watch({ kinds:
   * ['device'], pattern: 'gw-*' }))`): in the delivery order, from `since` (an event id; null: the
   * oldest kept; default: only new events), filtered by kind, tenant and key pattern. Ends when
   * the loop breaks or `signal` aborts. Options are checked at the call (CACHE_004, CACHE_007).
   */
  watch(options: WatchOptions = {}): AsyncIterableIterator<CacheEvent> {
    const { query, match } = watchQuery(options, this.tenant);
    const follow = this.transport.watchEvents?.bind(this.transport);
    if (!follow) {
      throw new ValidationError(`the ${this.transport.kind} transport cannot watch the outbox`, {
        details: { field: 'transport' },
      });
    }
    return watchEvents(follow, query, match, options.signal);
  }

  async close(): Promise<void> {
    if (this.#ownsTransport) await this.transport.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #item(key: string, value: JsonValue, ttl: number | null | undefined): KvSetItem {
    assertCacheKey(key);
    if (!checkJsonDepth(value, INPUT_BOUNDS.maxValueDepth)) {
      throw new ValidationError(`value nests deeper than ${INPUT_BOUNDS.maxValueDepth} levels`, {
        details: { key, field: 'value', reason: 'value_too_deep' },
      });
    }
    let json: string | undefined;
    try {
      json = value === undefined ? undefined : JSON.stringify(value);
    } catch {
      json = undefined; // a bigint, a cycle…
    }
    if (json === undefined) throw new ValidationError('value must be JSON', { details: { key } });
    if (Buffer.byteLength(json) > this.#options.maxValueBytes) {
      throw new TooLargeError(`value is larger than ${this.#options.maxValueBytes} bytes`, {
        details: { key },
      });
    }
    const seconds = ttl === undefined ? this.#options.defaultTtlSeconds : ttl === 0 ? null : ttl;
    if (
      seconds !== null &&
      (typeof seconds !== 'number' ||
        !Number.isFinite(seconds) ||
        seconds < 0 ||
        seconds > INPUT_BOUNDS.maxTtlSeconds)
    ) {
      throw new ValidationError(`ttl must be a number of seconds from 0 to ${INPUT_BOUNDS.maxTtlSeconds}`, {
        details: { key, field: 'ttl' },
      });
    }
    // Whole seconds, a fraction rounded UP: a positive TTL never becomes "no expiry" and what the
    // answer says is exactly what Redis holds.
    return { key, json, ttl: seconds === null ? null : Math.ceil(seconds) };
  }
}

/** The latest instant a timestamp can name (9999-12-31T23:59:59.999Z). */
const MAX_INSTANT = Date.UTC(10_000, 0, 1) - 1;

function checkLimit(limit: unknown): number {
  if (!Number.isInteger(limit) || (limit as number) < 1 || (limit as number) > MAX_PAGE) {
    throw new ValidationError(`limit must be an integer from 1 to ${MAX_PAGE}`, {
      details: { field: 'limit' },
    });
  }
  return limit as number;
}

/**
 * A cursor a caller passes back: a string of at most INPUT_BOUNDS.maxCursorLength characters
 * (each transport then checks it is one it issued: ValidationError CACHE_007 otherwise).
 */
function checkCursor(cursor: unknown): string | null {
  if (cursor === undefined || cursor === null) return null;
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > INPUT_BOUNDS.maxCursorLength) {
    throw new ValidationError('cursor is malformed; pass back the next_cursor of a previous page', {
      details: { field: 'cursor' },
    });
  }
  return cursor;
}

/** An id for error details: strings only, cut to the longest valid id. */
function shortId(value: unknown): string | null {
  return typeof value === 'string' ? value.slice(0, INPUT_BOUNDS.deviceIdMaxLength) : null;
}

function toMillis(value: Date | string | number): number {
  let ms = Number.NaN;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === 'number') ms = value;
  else if (typeof value === 'string' && value.length <= 64) {
    const normalized = normalizeTimestamp(value);
    if (normalized !== null) ms = timestampToMillis(normalized);
  }
  if (!Number.isFinite(ms)) {
    throw new ValidationError('updatedSince must be a date', { details: { field: 'updatedSince' } });
  }
  return ms;
}

/** The transport's context of a write, its options checked (CACHE_007 for a bad correlation id). */
function writeContext(options: WriteOptions | undefined): WriteContext | undefined {
  const correlationId = checkCorrelationId(options?.correlationId);
  return correlationId === null ? undefined : { correlationId };
}

/** The client's side of a watch: one abort controller for the transport, events filtered one by one. */
async function* watchEvents(
  follow: (query: WatchQuery, signal: AbortSignal) => AsyncIterable<CacheEvent[]>,
  query: WatchQuery,
  match: (event: CacheEvent) => boolean,
  signal: AbortSignal | undefined,
): AsyncGenerator<CacheEvent> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  signal?.addEventListener('abort', stop, { once: true });
  if (signal?.aborted) return;
  try {
    for await (const batch of follow(query, controller.signal)) {
      for (const event of batch) if (match(event)) yield event;
      if (controller.signal.aborted) return;
    }
  } finally {
    signal?.removeEventListener('abort', stop);
    controller.abort();
  }
}
