import {
  type CacheEntry,
  type CacheInfo,
  type DeviceMetadata,
  type DevicePage,
  type HealthStatus,
  isCacheError,
  type JsonValue,
  type Reading,
  type TenantStats,
  type UpsertResult,
  ValidationError,
} from '@org/cache-core';
import type { CacheTransport, DeviceListQuery, KeyPage, KvSetItem } from '../transport.js';
import { type Call, HttpRequester, type RequesterOptions } from './http-requester.js';
import { pathSafe, patternSegment, query, seg, segOrThrow } from './paths.js';

export interface HttpTransportOptions extends RequesterOptions {
  /** Largest id or key list per request (the API's API_MAX_BATCH, default 1000). */
  batchSize?: number;
  /** Readings per POST /api/devices/readings (default 5000). */
  readingsBatchSize?: number;
}

interface EntryMetadata {
  created_at: string;
  expires_at: string | null;
  version: number;
  ttl: number | null;
}
interface V2Envelope<T> {
  status: string;
  key?: string;
  data: T;
  metadata: EntryMetadata;
}
interface BatchItem {
  key: string;
  found: boolean;
  data?: JsonValue;
  metadata?: EntryMetadata;
}
interface UpsertAnswer extends UpsertResult {
  invalid: number;
  errors: unknown[];
}

/** GET /api/v2/cache/{key} cannot reach these keys (fixed routes of the same name): they go by batch. */
const SHADOWED_KEYS = new Set(['stats', 'health']);

const toEntry = (key: string, value: JsonValue, m: EntryMetadata): CacheEntry => ({
  key,
  value,
  ttl: m.ttl,
  created_at: m.created_at,
  expires_at: m.expires_at,
  version: m.version,
});

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The REST API as a backend: the same `CacheClient` over HTTP (`createCacheClient({ transport: 'http', baseUrl })`). */
export class HttpTransport implements CacheTransport {
  readonly kind = 'http' as const;
  readonly http: HttpRequester;
  readonly #batchSize: number;
  readonly #readingsBatchSize: number;

  constructor(options: HttpTransportOptions) {
    this.http = new HttpRequester(options);
    this.#batchSize = options.batchSize ?? 1000;
    this.#readingsBatchSize = options.readingsBatchSize ?? 5000;
  }

  async #send<T>(call: Call): Promise<T> {
    return (await this.http.send<T>(call)).body as T;
  }

  async #maybe<T>(call: Omit<Call, 'nullOn404'>): Promise<T | null> {
    return (await this.http.send<T>({ ...call, nullOn404: true })).body;
  }

  // ---- devices ----

  async upsertReadings(readings: readonly Reading[]): Promise<UpsertResult> {
    const total: UpsertResult = { written: 0, stale: 0, devices: 0 };
    for (const part of chunks(readings, this.#readingsBatchSize)) {
      // Idempotent by design: a replayed reading never overwrites newer state.
      const answer = await this.#send<UpsertAnswer>({
        method: 'POST',
        path: '/api/devices/readings',
        operation: 'upsertReadings',
        body: JSON.stringify({ readings: part }),
        idempotent: true,
      });
      total.written += answer.written;
      total.stale += answer.stale;
      total.devices += answer.devices;
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
    await this.#send({
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
        await this.#maybe<DeviceMetadata>({
          method: 'GET',
          path: `/api/devices/${seg(only)}`,
          operation: 'getDeviceMetadata',
          idempotent: true,
        }),
      ];
    }
    const parts = await Promise.all(
      chunks(ids, this.#batchSize).map((device_ids) =>
        this.#send<{ devices: (DeviceMetadata | null)[] }>({
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
    const answer = await this.#maybe<{ readings: Reading[] }>({
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
    return this.#maybe<Reading>({
      method: 'GET',
      path: `/api/devices/${segOrThrow(id, 'device id')}/readings/${seg(index)}`,
      operation: 'getReading',
      idempotent: true,
    });
  }

  async listIndexes(id: string): Promise<string[]> {
    const answer = await this.#maybe<{ indexes: string[] }>({
      method: 'GET',
      path: `/api/devices/${segOrThrow(id, 'device id')}/indexes`,
      operation: 'listIndexes',
      idempotent: true,
    });
    return answer?.indexes ?? [];
  }

  listDevices(q: DeviceListQuery): Promise<DevicePage> {
    return this.#send<DevicePage>({
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

  getCacheInfo(): Promise<CacheInfo> {
    return this.#send<CacheInfo>({
      method: 'GET',
      path: '/api/stats',
      operation: 'getCacheInfo',
      idempotent: true,
    });
  }

  /** The API's `/health` (its backend's state); `unhealthy` when the API cannot be reached. */
  async checkHealth(): Promise<HealthStatus> {
    try {
      return await this.#send<HealthStatus>({
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

  async kvGet(tenant: string, keys: readonly string[]): Promise<(CacheEntry | null)[]> {
    const [only] = keys;
    if (keys.length === 1 && only !== undefined && pathSafe(only) && !SHADOWED_KEYS.has(only)) {
      const answer = await this.#maybe<V2Envelope<JsonValue>>({
        method: 'GET',
        path: `/api/v2/cache/${seg(only)}`,
        operation: 'get',
        tenant,
        idempotent: true,
      });
      return [answer === null ? null : toEntry(only, answer.data, answer.metadata)];
    }
    const parts = await Promise.all(
      chunks(keys, this.#batchSize).map((part) =>
        this.#send<V2Envelope<{ items: BatchItem[] }>>({
          method: 'POST',
          path: '/api/v2/cache/batch',
          operation: 'batch-get',
          body: JSON.stringify({ operation: 'get', keys: part }),
          tenant,
          idempotent: true,
        }),
      ),
    );
    return parts.flatMap((p) =>
      p.data.items.map((i) =>
        i.found && i.metadata ? toEntry(i.key, i.data as JsonValue, i.metadata) : null,
      ),
    );
  }

  async kvSet(tenant: string, items: readonly KvSetItem[]): Promise<CacheEntry[]> {
    const [only] = items;
    if (items.length === 1 && only !== undefined && pathSafe(only.key)) {
      const answer = await this.#send<V2Envelope<null>>({
        method: 'PUT',
        path: `/api/v2/cache/${seg(only.key)}`,
        operation: 'set',
        body: `{"value":${only.json},"ttl":${only.ttl === null ? 'null' : only.ttl}}`,
        tenant,
        idempotent: true,
      });
      return [toEntry(only.key, JSON.parse(only.json) as JsonValue, answer.metadata)];
    }
    const out: CacheEntry[] = [];
    for (const part of chunks(items, this.#batchSize)) {
      const body = part
        .map(
          (i) =>
            `{"key":${JSON.stringify(i.key)},"value":${i.json},"ttl":${i.ttl === null ? 'null' : i.ttl}}`,
        )
        .join(',');
      const answer = await this.#send<V2Envelope<{ items: BatchItem[] }>>({
        method: 'POST',
        path: '/api/v2/cache/batch',
        operation: 'batch-set',
        body: `{"operation":"set","items":[${body}]}`,
        tenant,
        idempotent: false,
      });
      answer.data.items.forEach((i, n) => {
        out.push(toEntry(i.key, JSON.parse(part[n]!.json) as JsonValue, i.metadata!));
      });
    }
    return out;
  }

  async kvDelete(tenant: string, keys: readonly string[]): Promise<number> {
    const [only] = keys;
    if (keys.length === 1 && only !== undefined && pathSafe(only)) {
      const answer = await this.#maybe<unknown>({
        method: 'DELETE',
        path: `/api/v2/cache/${seg(only)}`,
        operation: 'delete',
        tenant,
        idempotent: true,
      });
      return answer === null ? 0 : 1;
    }
    let deleted = 0;
    for (const part of chunks(keys, this.#batchSize)) {
      const answer = await this.#send<V2Envelope<{ deleted: number }>>({
        method: 'POST',
        path: '/api/v2/cache/batch',
        operation: 'batch-delete',
        body: JSON.stringify({ operation: 'delete', keys: part }),
        tenant,
        idempotent: true,
      });
      deleted += answer.data.deleted;
    }
    return deleted;
  }

  async kvInvalidate(tenant: string, pattern: string): Promise<number> {
    const answer = await this.#send<{ deleted: number }>({
      method: 'POST',
      path: '/api/v1/cache/invalidate',
      operation: 'invalidate',
      body: JSON.stringify({ pattern }),
      tenant,
      idempotent: true,
    });
    return answer.deleted;
  }

  async kvListKeys(tenant: string, pattern: string, limit: number, cursor: string | null): Promise<KeyPage> {
    const answer = await this.#send<V2Envelope<KeyPage>>({
      method: 'GET',
      path: `/api/v2/cache/pattern/${patternSegment(pattern)}${query({ limit, cursor })}`,
      operation: 'listKeys',
      tenant,
      idempotent: true,
    });
    return answer.data;
  }

  async kvClearTenant(tenant: string): Promise<number> {
    const answer = await this.#send<{ deleted: number }>({
      method: 'DELETE',
      path: `/api/v1/cache/tenant/${seg(tenant)}`,
      operation: 'clearTenant',
      tenant,
      idempotent: true,
    });
    return answer.deleted;
  }

  async kvStats(tenant: string): Promise<TenantStats> {
    const answer = await this.#send<V2Envelope<TenantStats>>({
      method: 'GET',
      path: '/api/v2/cache/stats',
      operation: 'stats',
      tenant,
      idempotent: true,
    });
    return answer.data;
  }

  async flush(): Promise<void> {
    await this.#send({ method: 'POST', path: '/api/v2/cache/flush', operation: 'flush', idempotent: true });
  }

  /** Nothing to release: connections belong to Node's shared fetch pool and close when idle. */
  async close(): Promise<void> {}
}
