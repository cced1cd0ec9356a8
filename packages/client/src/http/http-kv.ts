import {
  type AppliedWriteOptions,
  type CacheEntry,
  type JsonValue,
  KeyExpiredError,
  type KvWriteOptions,
  kvOptionsOf,
  markExpired,
  recordApplied,
  type TenantStats,
} from '@org/cache-core';
import type { KeyPage, KvSetItem, WriteContext } from '../transport.js';
import { chunks, type HttpCalls } from './http-calls.js';
import { pathSafe, patternSegment, query, seg } from './paths.js';

interface EntryMetadata {
  created_at: string;
  expires_at: string | null;
  version: number;
  ttl: number | null;
  /** What the server applied to a write (v2 with the options). */
  options?: AppliedWriteOptions;
}

/** The API's spelling of a write's options (`options` of a v2 write), or '' when there are none. */
function optionsJson(kv: KvWriteOptions): string {
  const wire = {
    compression: kv.compression,
    encryption: kv.encryption,
    consistency: kv.consistency,
    cache_type: kv.cacheType,
  };
  const text = JSON.stringify(wire);
  return text === '{}' ? '' : `,"options":${text}`;
}

const withApplied = (entry: CacheEntry, m: EntryMetadata | undefined): CacheEntry =>
  m?.options ? recordApplied(entry, m.options) : entry;
interface V2Envelope<T> {
  status: string;
  key?: string;
  data: T;
  metadata: EntryMetadata;
}
interface BatchItem {
  key: string;
  found: boolean;
  /** get: the key expired (CACHE_002) rather than never existed. */
  expired?: boolean;
  data?: JsonValue;
  metadata?: EntryMetadata;
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

/** The tenant cache over the API: single keys by path (v2), many by the batch route. */
export class HttpKv {
  readonly #calls: HttpCalls;

  constructor(calls: HttpCalls) {
    this.#calls = calls;
  }

  async get(tenant: string, keys: readonly string[]): Promise<(CacheEntry | null)[]> {
    const [only] = keys;
    if (keys.length === 1 && only !== undefined && pathSafe(only) && !SHADOWED_KEYS.has(only)) {
      let answer: V2Envelope<JsonValue> | null;
      try {
        answer = await this.#calls.maybe<V2Envelope<JsonValue>>({
          method: 'GET',
          path: `/api/v2/cache/${seg(only)}`,
          operation: 'get',
          tenant,
          idempotent: true,
        });
      } catch (error) {
        // 404 CACHE_002: expired while the tenant's index remembers it
        if (error instanceof KeyExpiredError) return markExpired([null], [0]);
        throw error;
      }
      if (answer === null) return [null];
      return [toEntry(only, answer.data, answer.metadata)];
    }
    const parts = await Promise.all(
      chunks(keys, this.#calls.batchSize).map((part) =>
        this.#calls.send<V2Envelope<{ items: BatchItem[] }>>({
          method: 'POST',
          path: '/api/v2/cache/batch',
          operation: 'batch-get',
          body: JSON.stringify({ operation: 'get', keys: part }),
          tenant,
          idempotent: true,
        }),
      ),
    );
    const items = parts.flatMap((p) => p.data.items);
    const expired = items.flatMap((i, n) => (i.expired ? [n] : []));
    return markExpired(
      items.map((i) => (i.found && i.metadata ? toEntry(i.key, i.data as JsonValue, i.metadata) : null)),
      expired,
    );
  }

  async set(tenant: string, items: readonly KvSetItem[], context?: WriteContext): Promise<CacheEntry[]> {
    const options = optionsJson(kvOptionsOf(context));
    const [only] = items;
    if (items.length === 1 && only !== undefined && pathSafe(only.key)) {
      const answer = await this.#calls.send<V2Envelope<null>>({
        method: 'PUT',
        path: `/api/v2/cache/${seg(only.key)}`,
        operation: 'set',
        body: `{"value":${only.json},"ttl":${only.ttl === null ? 'null' : only.ttl}${options}}`,
        tenant,
        idempotent: true,
      });
      return [
        withApplied(toEntry(only.key, JSON.parse(only.json) as JsonValue, answer.metadata), answer.metadata),
      ];
    }
    const out: CacheEntry[] = [];
    for (const part of chunks(items, this.#calls.batchSize)) {
      const body = part
        .map(
          (i) =>
            `{"key":${JSON.stringify(i.key)},"value":${i.json},"ttl":${i.ttl === null ? 'null' : i.ttl}${options}}`,
        )
        .join(',');
      const answer = await this.#calls.send<V2Envelope<{ items: BatchItem[] }>>({
        method: 'POST',
        path: '/api/v2/cache/batch',
        operation: 'batch-set',
        body: `{"operation":"set","items":[${body}]}`,
        tenant,
        idempotent: false,
      });
      answer.data.items.forEach((i, n) => {
        out.push(
          withApplied(toEntry(i.key, JSON.parse(part[n]!.json) as JsonValue, i.metadata!), i.metadata),
        );
      });
    }
    return out;
  }

  async delete(tenant: string, keys: readonly string[]): Promise<number> {
    const [only] = keys;
    if (keys.length === 1 && only !== undefined && pathSafe(only)) {
      const answer = await this.#calls.maybe<unknown>({
        method: 'DELETE',
        path: `/api/v2/cache/${seg(only)}`,
        operation: 'delete',
        tenant,
        idempotent: true,
      });
      return answer === null ? 0 : 1;
    }
    let deleted = 0;
    for (const part of chunks(keys, this.#calls.batchSize)) {
      const answer = await this.#calls.send<V2Envelope<{ deleted: number }>>({
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

  async invalidate(tenant: string, pattern: string): Promise<number> {
    const answer = await this.#calls.send<{ deleted: number }>({
      method: 'POST',
      path: '/api/v1/cache/invalidate',
      operation: 'invalidate',
      body: JSON.stringify({ pattern }),
      tenant,
      idempotent: true,
    });
    return answer.deleted;
  }

  async listKeys(tenant: string, pattern: string, limit: number, cursor: string | null): Promise<KeyPage> {
    const answer = await this.#calls.send<V2Envelope<KeyPage>>({
      method: 'GET',
      path: `/api/v2/cache/pattern/${patternSegment(pattern)}${query({ limit, cursor })}`,
      operation: 'listKeys',
      tenant,
      idempotent: true,
    });
    return answer.data;
  }

  async clearTenant(tenant: string): Promise<number> {
    const answer = await this.#calls.send<{ deleted: number }>({
      method: 'DELETE',
      path: `/api/v1/cache/tenant/${seg(tenant)}`,
      operation: 'clearTenant',
      tenant,
      idempotent: true,
    });
    return answer.deleted;
  }

  async stats(tenant: string): Promise<TenantStats> {
    const answer = await this.#calls.send<V2Envelope<TenantStats>>({
      method: 'GET',
      path: '/api/v2/cache/stats',
      operation: 'stats',
      tenant,
      idempotent: true,
    });
    return answer.data;
  }
}
