import {
  type CacheEntry,
  type CacheEvent,
  type CacheInfo,
  type DeviceMetadata,
  type DevicePage,
  type FutureDevicePage,
  type HealthStatus,
  isCacheError,
  type Reading,
  type ResetDeviceResult,
  STALE_SAMPLES_MAX,
  type TenantStats,
  type UpsertResult,
  ValidationError,
} from '@org/cache-core';
import type {
  CacheTransport,
  DeviceListQuery,
  FutureDeviceQuery,
  KeyPage,
  KvSetItem,
  WriteContext,
} from '../transport.js';
import { chunks, HttpCalls } from './http-calls.js';
import { HttpKv } from './http-kv.js';
import type { HttpRequester, RequesterOptions } from './http-requester.js';
import { pathSafe, query, seg, segOrThrow } from './paths.js';

export interface HttpTransportOptions extends RequesterOptions {
  /** Largest id or key list per request (the API's API_MAX_BATCH, default 1000). */
  batchSize?: number;
  /** Readings per POST /api/devices/readings (default 5000). */
  readingsBatchSize?: number;
}

interface UpsertAnswer extends UpsertResult {
  invalid: number;
  errors: unknown[];
}

import type { WatchQuery } from '../watch.js';
import { followEventStream } from './http-watch.js';

export class HttpTransport implements CacheTransport {
  readonly kind = 'http' as const;
  readonly http: HttpRequester;
  readonly #calls: HttpCalls;
  readonly #kv: HttpKv;
  readonly #readingsBatchSize: number;

  constructor(options: HttpTransportOptions) {
    this.#calls = new HttpCalls(options, options.batchSize ?? 1000);
    this.http = this.#calls.http;
    this.#kv = new HttpKv(this.#calls);
    this.#readingsBatchSize = options.readingsBatchSize ?? 5000;
  }

  // ---- devices ----

  async upsertReadings(readings: readonly Reading[]): Promise<UpsertResult> {
    const total: UpsertResult = { written: 0, stale: 0, devices: 0, staleSamples: [] };
    for (const part of chunks(readings, this.#readingsBatchSize)) {
      // Idempotent by design: a replayed reading never overwrites newer state.
      const answer = await this.#calls.send<UpsertAnswer>({
        method: 'POST',
        path: '/api/devices/readings',
        operation: 'upsertReadings',
        body: JSON.stringify({ readings: part }),
        idempotent: true,
      });
      total.written += answer.written;
      total.stale += answer.stale;
      total.devices += answer.devices;
      for (const sample of answer.staleSamples ?? []) {
        if (total.staleSamples.length < STALE_SAMPLES_MAX) total.staleSamples.push(sample);
      }
      if (answer.invalid > 0) {
        throw new ValidationError(`the API refused ${answer.invalid} reading(s); the others were written`, {
          details: { ...total, invalid: answer.invalid, errors: answer.errors },
        });
      }
    }
    return total;
  }

  async storeDeviceMetadata(m: DeviceMetadata): Promise<void> {
    const { device_id, ...body } = m;
    await this.#calls.send({
      method: 'PUT',
      path: `/api/devices/${segOrThrow(device_id, 'device id')}/metadata`,
      operation: 'storeDeviceMetadata',
      body: JSON.stringify(body),
      idempotent: true,
    });
  }

  async getDeviceMetadataMany(ids: readonly string[]): Promise<(DeviceMetadata | null)[]> {
    const [only] = ids;
    if (ids.length === 1 && only !== undefined && pathSafe(only)) {
      return [
        await this.#calls.maybe<DeviceMetadata>({
          method: 'GET',
          path: `/api/devices/${seg(only)}`,
          operation: 'getDeviceMetadata',
          idempotent: true,
        }),
      ];
    }
    const parts = await Promise.all(
      chunks(ids, this.#calls.batchSize).map((device_ids) =>
        this.#calls.send<{ devices: (DeviceMetadata | null)[] }>({
          method: 'POST',
          path: '/api/devices/batch',
          operation: 'getDeviceMetadataMany',
          body: JSON.stringify({ device_ids }),
          idempotent: true,
        }),
      ),
    );
    return parts.flatMap((p) => p.devices);
  }

  async getReadings(id: string): Promise<Reading[]> {
    const answer = await this.#calls.maybe<{ readings: Reading[] }>({
      method: 'GET',
      path: `/api/devices/${segOrThrow(id, 'device id')}/readings`,
      operation: 'getReadings',
      idempotent: true,
    });
    return answer?.readings ?? [];
  }

  async getReading(id: string, index: string): Promise<Reading | null> {
    // An empty or dot index is not a usable path segment: read all and pick.
    if (index === '' || !pathSafe(index))
      return (await this.getReadings(id)).find((r) => r.index === index) ?? null;
    return this.#calls.maybe<Reading>({
      method: 'GET',
      path: `/api/devices/${segOrThrow(id, 'device id')}/readings/${seg(index)}`,
      operation: 'getReading',
      idempotent: true,
    });
  }

  async listIndexes(id: string): Promise<string[]> {
    const answer = await this.#calls.maybe<{ indexes: string[] }>({
      method: 'GET',
      path: `/api/devices/${segOrThrow(id, 'device id')}/indexes`,
      operation: 'listIndexes',
      idempotent: true,
    });
    return answer?.indexes ?? [];
  }

  listDevices(q: DeviceListQuery): Promise<DevicePage> {
    return this.#calls.send<DevicePage>({
      method: 'GET',
      path: `/api/devices${query({
        limit: q.limit,
        cursor: q.cursor,
        offset: q.offset || null,
        pattern: q.pattern,
        sort: q.sort === 'id' ? null : q.sort,
        updated_since: q.updatedSince,
      })}`,
      operation: 'listDevices',
      idempotent: true,
    });
  }

  /** `POST /api/admin/devices/{id}/reset` (scope `devices:admin`). */
  resetDevice(id: string): Promise<ResetDeviceResult> {
    return this.#calls.send<ResetDeviceResult>({
      method: 'POST',
      path: `/api/admin/devices/${segOrThrow(id, 'device id')}/reset`,
      operation: 'resetDevice',
      idempotent: true,
    });
  }

  /** `GET /api/admin/devices/future` (scope `devices:admin`). */
  listFutureDevices(q: FutureDeviceQuery): Promise<FutureDevicePage> {
    return this.#calls.send<FutureDevicePage>({
      method: 'GET',
      path: `/api/admin/devices/future${query({ after: q.after, limit: q.limit, cursor: q.cursor })}`,
      operation: 'listFutureDevices',
      idempotent: true,
    });
  }

  getCacheInfo(): Promise<CacheInfo> {
    return this.#calls.send<CacheInfo>({
      method: 'GET',
      path: '/api/stats',
      operation: 'getCacheInfo',
      idempotent: true,
    });
  }

  /** The API's `/health` (its backend's state); `unhealthy` when the API cannot be reached. */
  async checkHealth(): Promise<HealthStatus> {
    try {
      return await this.#calls.send<HealthStatus>({
        method: 'GET',
        path: '/health',
        operation: 'checkHealth',
        idempotent: false,
        answerStatuses: [503],
      });
    } catch (error) {
      if (isCacheError(error) && (error.code === 'CACHE_006' || error.code === 'CACHE_005')) {
        return {
          status: 'unhealthy',
          message: error.message,
          timestamp: new Date().toISOString(),
          backend: 'http',
        };
      }
      throw error;
    }
  }
  // ---- generic cache ----

  kvGet(tenant: string, keys: readonly string[]): Promise<(CacheEntry | null)[]> {
    return this.#kv.get(tenant, keys);
  }

  kvSet(tenant: string, items: readonly KvSetItem[], context?: WriteContext): Promise<CacheEntry[]> {
    return this.#kv.set(tenant, items, context);
  }

  kvDelete(tenant: string, keys: readonly string[]): Promise<number> {
    return this.#kv.delete(tenant, keys);
  }

  kvInvalidate(tenant: string, pattern: string): Promise<number> {
    return this.#kv.invalidate(tenant, pattern);
  }

  kvListKeys(tenant: string, pattern: string, limit: number, cursor: string | null): Promise<KeyPage> {
    return this.#kv.listKeys(tenant, pattern, limit, cursor);
  }

  kvClearTenant(tenant: string): Promise<number> {
    return this.#kv.clearTenant(tenant);
  }

  kvStats(tenant: string): Promise<TenantStats> {
    return this.#kv.stats(tenant);
  }

  /** Everything, devices and every tenant: the API clears only the caller's tenant without `scope: all`. */
  async flush(): Promise<void> {
    await this.#calls.send({
      method: 'POST',
      path: '/api/v2/cache/flush',
      operation: 'flush',
      body: JSON.stringify({ scope: 'all' }),
      idempotent: true,
    });
  }

  /** The API's SSE feed (`GET /api/v2/events`), resumed with Last-Event-ID when it breaks. */
  watchEvents(query: WatchQuery, signal: AbortSignal): AsyncIterable<CacheEvent[]> {
    return followEventStream(this.http, query, signal);
  }

  /** Closes the connection pool of this transport. */
  close(): Promise<void> {
    return this.http.close();
  }
}
