import {
  type CacheInfo,
  coalesceReadings,
  type DeviceMetadata,
  type DevicePage,
  decodeMetadataHash,
  decodeReadingBody,
  encodeMetadataFields,
  encodeReadingBody,
  type FutureDevice,
  type FutureDevicePage,
  type Reading,
  type ResetDeviceResult,
  STALE_SAMPLES_MAX,
  type StaleSample,
  type UpsertResult,
} from '@org/cache-core';
import { decodeCursor, encodeCursor } from '../listing/cursor.js';
import { type DeviceIndexSource, FUTURE_SCAN_PER_CALL, listDevicesFrom } from '../listing/device-listing.js';
import type { DeviceListQuery, FutureDeviceQuery, WriteContext } from '../transport.js';
import { deviceCorrelationIds } from './device-correlation.js';
import { SortedIds } from './sorted-ids.js';

/** What a device change's event says. */
type DeviceOperation = 'upsert' | 'metadata' | 'reset';
/** Called once per device whose state a write changes (the outbox); `correlationId`: the device's own, if any. */
type DeviceChanged = (
  deviceId: string,
  operation: DeviceOperation,
  indexes: string[],
  correlationId?: string,
) => void;

interface DeviceState {
  metadata: DeviceMetadata | null;
  /** index -> timestamp and body line (the same encoding as in Redis). */
  readings: Map<string, { timestamp: string; body: string }>;
  expiry: number;
}

/** Latest state per device in process memory, with the same latest-wins and TTL rules as Redis. */
export class MemoryDevices implements DeviceIndexSource {
  readonly ttlMs: number;
  readonly #devices = new Map<string, DeviceState>();
  readonly #ids = new SortedIds();
  /** (expiry, id) in write order; with one TTL this is expiry order, so trimming is amortized O(1). */
  readonly #expiryQueue: [number, string][] = [];
  #queueHead = 0;

  /** Called once per device whose state a write changes (the outbox). */
  readonly #changed: DeviceChanged;

  constructor(ttlSeconds: number, changed: DeviceChanged = () => {}) {
    this.ttlMs = ttlSeconds * 1000;
    this.#changed = changed;
  }

  upsert(readings: readonly Reading[], context?: WriteContext): UpsertResult {
    const now = this.#purge();
    const batch = coalesceReadings(readings);
    const own = deviceCorrelationIds(readings, batch.devices, context);
    let written = 0;
    const staleSamples: StaleSample[] = [];
    for (let k = 0; k < batch.devices.length; k++) {
      const update = batch.devices[k]!;
      const correlationId = own?.[k] || undefined;
      const state = this.#touch(update.deviceId, now);
      const applied: string[] = [];
      for (const r of update.readings) {
        const current = state.readings.get(r.index);
        if (current === undefined || current.timestamp <= r.timestamp) {
          const body = encodeReadingBody(r);
          if (current === undefined || current.timestamp < r.timestamp || current.body !== body) {
            applied.push(r.index);
          }
          state.readings.set(r.index, { timestamp: r.timestamp, body });
          written++;
        } else if (staleSamples.length < STALE_SAMPLES_MAX) {
          staleSamples.push({ device_id: r.device_id, index: r.index, timestamp: r.timestamp });
        }
      }
      const metadataChanged = update.metadata ? this.#applyMetadata(state, update.metadata) : false;
      if (applied.length > 0) this.#changed(update.deviceId, 'upsert', applied.sort(), correlationId);
      else if (metadataChanged) this.#changed(update.deviceId, 'metadata', [], correlationId);
    }
    return { written, stale: readings.length - written, devices: batch.devices.length, staleSamples };
  }

  storeMetadata(metadata: DeviceMetadata): void {
    const state = this.#touch(metadata.device_id, this.#purge());
    if (this.#applyMetadata(state, metadata)) this.#changed(metadata.device_id, 'metadata', []);
  }

  /** Latest wins; true when the stored metadata changed (a newer stamp or other fields). */
  #applyMetadata(state: DeviceState, metadata: DeviceMetadata): boolean {
    if (state.metadata !== null && state.metadata.last_updated > metadata.last_updated) return false;
    const stored = asStored(metadata);
    const changed = state.metadata === null || JSON.stringify(state.metadata) !== JSON.stringify(stored);
    state.metadata = stored;
    return changed;
  }

  metadata(id: string): DeviceMetadata | null {
    const m = this.#live(id)?.metadata;
    return m ? structuredClone(m) : null;
  }

  readings(id: string): Reading[] {
    const state = this.#live(id);
    if (!state) return [];
    return [...state.readings.keys()]
      .sort()
      .map((index) => this.#decode(id, index, state.readings.get(index)!));
  }

  reading(id: string, index: string): Reading | null {
    const stored = this.#live(id)?.readings.get(index);
    return stored === undefined ? null : this.#decode(id, index, stored);
  }

  indexes(id: string): string[] {
    return [...(this.#live(id)?.readings.keys() ?? [])].sort();
  }

  reset(id: string): ResetDeviceResult {
    const existed = this.#live(id) !== undefined;
    if (this.#devices.delete(id)) this.#ids.markRemoved();
    if (existed) this.#changed(id, 'reset', []);
    return { device_id: id, existed };
  }

  /** Up to FUTURE_SCAN_PER_CALL devices of the id order per call, newest stamp from readings and metadata. */
  future(query: FutureDeviceQuery): FutureDevicePage {
    this.#purge();
    const after = query.cursor === null ? null : decodeCursor(query.cursor, 'id').after;
    const ids = this.#ids.view((id) => this.#devices.has(id));
    let i = after === null ? 0 : SortedIds.lowerBound(ids, after, true);
    const devices: FutureDevice[] = [];
    for (let examined = 0; i < ids.length && examined < FUTURE_SCAN_PER_CALL; i++, examined++) {
      const id = ids[i]!;
      const state = this.#live(id);
      if (!state) continue;
      let newest = state.metadata?.last_updated ?? '';
      for (const r of state.readings.values()) if (r.timestamp > newest) newest = r.timestamp;
      if (newest > query.after) {
        devices.push({ device_id: id, newest_timestamp: newest });
        if (devices.length === query.limit) {
          i++;
          break;
        }
      }
    }
    const more = i < ids.length;
    return { devices, next_cursor: more ? encodeCursor({ s: 'id', after: ids[i - 1]! }) : null };
  }

  list(query: DeviceListQuery): Promise<DevicePage> {
    this.#purge();
    return listDevicesFrom(this, query);
  }

  async scanById(after: string | null, prefix: string, offset: number, count: number, minExpiry: number) {
    const ids = this.#ids.view((id) => this.#devices.has(id));
    let i =
      after === null ? SortedIds.lowerBound(ids, prefix, false) : SortedIds.lowerBound(ids, after, true);
    i += offset;
    const live: [string, number][] = [];
    let examined = 0;
    let lastExamined = '';
    const now = Date.now();
    for (; i < ids.length && examined < count; i++) {
      const id = ids[i]!;
      if (!id.startsWith(prefix)) break;
      examined++;
      lastExamined = id;
      const expiry = this.#devices.get(id)?.expiry;
      if (expiry !== undefined && expiry > now && expiry >= minExpiry) live.push([id, expiry]);
    }
    return { examined, lastExamined, live };
  }

  async scanByExpiry(maxExpiry: number, skip: number, count: number, minExpiry: number) {
    const now = Date.now();
    const rows: [string, number][] = [];
    for (const [id, state] of this.#devices) {
      if (state.expiry <= maxExpiry && state.expiry > now && state.expiry >= minExpiry)
        rows.push([id, state.expiry]);
    }
    rows.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0));
    return rows.slice(skip, skip + count);
  }

  info(): Pick<
    CacheInfo,
    'total_devices' | 'oldest_entry_timestamp' | 'newest_entry_timestamp' | 'expired_pending'
  > & {
    bytes: number;
  } {
    this.#purge();
    let oldest = Number.POSITIVE_INFINITY;
    let newest = 0;
    let bytes = 0;
    for (const [id, state] of this.#devices) {
      oldest = Math.min(oldest, state.expiry);
      newest = Math.max(newest, state.expiry);
      bytes += id.length * 2 + (state.metadata ? JSON.stringify(state.metadata).length : 0);
      for (const [index, r] of state.readings) bytes += index.length + r.timestamp.length + r.body.length;
    }
    const stamp = (expiry: number) => new Date(expiry - this.ttlMs).toISOString();
    return {
      total_devices: this.#devices.size,
      oldest_entry_timestamp: this.#devices.size ? stamp(oldest) : null,
      newest_entry_timestamp: this.#devices.size ? stamp(newest) : null,
      expired_pending: 0,
      bytes,
    };
  }

  clear(): void {
    for (const id of this.#devices.keys()) {
      this.#devices.delete(id);
      this.#ids.markRemoved();
    }
    this.#expiryQueue.length = 0;
    this.#queueHead = 0;
  }

  #decode(id: string, index: string, stored: { timestamp: string; body: string }): Reading {
    return decodeReadingBody(id, index, stored.timestamp, stored.body);
  }

  #touch(id: string, now: number): DeviceState {
    const expiry = now + this.ttlMs;
    let state = this.#devices.get(id);
    if (!state) {
      state = { metadata: null, readings: new Map(), expiry };
      this.#devices.set(id, state);
      this.#ids.add(id);
    }
    state.expiry = expiry;
    this.#expiryQueue.push([expiry, id]);
    return state;
  }

  #live(id: string): DeviceState | undefined {
    const state = this.#devices.get(id);
    return state && state.expiry > Date.now() ? state : undefined;
  }

  /** Drops expired devices from the front of the expiry queue; returns now. */
  #purge(): number {
    const now = Date.now();
    const q = this.#expiryQueue;
    while (this.#queueHead < q.length && q[this.#queueHead]![0] <= now) {
      const [expiry, id] = q[this.#queueHead++]!;
      if (this.#devices.get(id)?.expiry === expiry) {
        this.#devices.delete(id);
        this.#ids.markRemoved();
      }
    }
    if (this.#queueHead > 1024 && this.#queueHead * 2 > q.length) {
      q.splice(0, this.#queueHead);
      this.#queueHead = 0;
    }
    if (q.length > 1024 && q.length > 2 * this.#devices.size) {
      // Rewrites superseded the older entries of most devices: keep one entry per device.
      const current = q.filter(([expiry, id]) => this.#devices.get(id)?.expiry === expiry);
      q.length = 0;
      q.push(...current);
      this.#queueHead = 0;
    }
    return now;
  }
}

/**
 * Metadata as Redis gives it back: through the same hash fields (`datatype_unit` "" is null,
 * extra values JSON-encoded, seed names among the extra keys dropped), so both transports answer
 * the same for the same writes.
 */
function asStored(m: DeviceMetadata): DeviceMetadata {
  const fields = encodeMetadataFields(m);
  const hash: Record<string, string> = {};
  for (let i = 0; i < fields.length; i += 2) {
    Object.defineProperty(hash, fields[i]!, {
      value: fields[i + 1]!,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return decodeMetadataHash(m.device_id, hash)!;
}
