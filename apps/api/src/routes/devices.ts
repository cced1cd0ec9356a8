import {
  CacheInfo,
  DeviceMetadata,
  DevicePage,
  NotFoundError,
  normalizeTimestamp,
  Reading,
  TooLargeError,
  timestampToMillis,
  ValidationError,
} from '@org/cache-core';
import type { Context } from 'hono';
import type { AppEnv } from '../http/context.js';
import { conditionalJson, etagOf } from '../http/etag.js';
import type { ApiMetrics } from '../metrics.js';
import { PARAM } from '../route-table/params.js';
import { defineRoute, named } from '../route-table/route.js';
import {
  DeviceBatchBody,
  DeviceBatchResponse,
  IndexesResponse,
  ListDevicesQuery,
  ReadingsResponse,
} from '../schemas/devices.js';
import { tracing } from '../tracing/state.js';
import { type MetadataAnswer, MetadataBatcher, nearCacheOfClient } from './metadata-batcher.js';

export const DEVICES_TAG = 'Devices';

/** Device state changes with every reading: clients revalidate (cheap with ETag → 304). */
const DEVICE_CACHE = { cacheControl: 'private, no-cache' } as const;

function parseSince(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (/^\d{1,16}$/.test(text)) return Number(text);
  const normalized = normalizeTimestamp(text);
  if (normalized === null) {
    throw new ValidationError('updated_since must be an ISO 8601 date-time or epoch milliseconds', {
      details: { field: 'updated_since' },
    });
  }
  return timestampToMillis(normalized);
}

const device = { device_id: PARAM.deviceId };

/**
 * The serialized answer of a device's metadata, kept in its `derived` slot (a near-cache entry's
 * lives and dies with it). The JSON is kept as UTF-8 bytes outside the JS heap (a buffer of its
 * own, not a slice of Node's shared pool, which one entry would pin): the young-generation
 * collector then moves a small wrapper instead of the whole text when the answer is made (which
 * under random reads of many devices is a large share of requests), and the socket is given the
 * bytes without encoding them again.
 */
interface SerializedAnswer {
  body: Uint8Array<ArrayBuffer>;
  etag: string;
}

function serialize(metadata: DeviceMetadata): SerializedAnswer {
  const text = JSON.stringify(metadata);
  const body = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  body.write(text);
  return { body, etag: etagOf(text) };
}

/**
 * What the registrar would answer for `{ body: metadata, cache: DEVICE_CACHE }` (plain envelope,
 * same ETag), with the JSON and its ETag computed once per near-cache entry, not once per request.
 */
function answerMetadata(c: Context<AppEnv>, id: string, hit: MetadataAnswer, metrics: ApiMetrics): Response {
  const metadata = hit.value;
  if (metadata === null) {
    metrics.lookup('devices', 0, 1);
    throw new NotFoundError(`device ${id} not found`);
  }
  metrics.lookup('devices', 1, 0);
  let answer = hit.derived as SerializedAnswer | undefined;
  if (answer === undefined) {
    answer = serialize(metadata);
    hit.derived = answer;
  }
  return conditionalJson(c, answer.body, { etag: answer.etag, ...DEVICE_CACHE });
}

/** Device reads: listing, metadata, readings, indexes, batch metadata and cache statistics. */
export const DEVICE_READ_ROUTES = [
  defineRoute({
    method: 'GET',
    path: '/api/devices',
    operation: 'listDevices',
    summary: 'List cached devices (cursor pagination)',
    tag: DEVICES_TAG,
    access: 'cache:read',
    tenant: 'none',
    params: {},
    query: ListDevicesQuery,
    response: { status: 200, schema: named('DevicePage', DevicePage) },
    errors: [304, 400],
    envelope: 'plain',
    handler:
      ({ client }) =>
      async ({ query: q }) => {
        const page = await client.listDevices({
          limit: q.limit,
          cursor: q.cursor,
          offset: q.offset,
          pattern: q.pattern,
          sort: q.sort,
          updatedSince: parseSince(q.updated_since),
        });
        return { body: page, cache: DEVICE_CACHE };
      },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/devices/batch',
    operation: 'getDeviceMetadataMany',
    summary: 'Metadata of many devices in one pipelined round',
    tag: DEVICES_TAG,
    access: 'cache:read',
    tenant: 'none',
    params: {},
    body: named('DeviceBatchRequest', DeviceBatchBody),
    response: { status: 200, schema: named('DeviceBatchResponse', DeviceBatchResponse) },
    errors: [400, 413],
    envelope: 'plain',
    handler:
      ({ client, limits, metrics }) =>
      async ({ body: { device_ids } }) => {
        if (device_ids.length > limits.maxBatch) {
          throw new TooLargeError(`at most ${limits.maxBatch} device ids per batch`, {
            details: { count: device_ids.length, max: limits.maxBatch },
          });
        }
        const devices = await client.getDeviceMetadataMany(device_ids);
        const notFound = device_ids.filter((_, i) => devices[i] === null);
        metrics.lookup('devices', devices.length - notFound.length, notFound.length);
        return { body: { devices, found: devices.length - notFound.length, not_found: notFound } };
      },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/stats',
    operation: 'getCacheInfo',
    summary: 'Cache statistics',
    tag: DEVICES_TAG,
    access: 'cache:read',
    tenant: 'none',
    params: {},
    response: { status: 200, schema: named('CacheInfo', CacheInfo) },
    envelope: 'plain',
    handler:
      ({ client }) =>
      async () => ({ body: await client.getCacheInfo() }),
  }),
  defineRoute({
    method: 'GET',
    path: '/api/devices/{device_id}/readings',
    operation: 'getReadings',
    summary: 'Latest reading per index',
    tag: DEVICES_TAG,
    access: 'cache:read',
    tenant: 'none',
    params: device,
    response: { status: 200, schema: named('DeviceReadings', ReadingsResponse) },
    errors: [304, 400, 404],
    envelope: 'plain',
    handler:
      ({ client, metrics }) =>
      async ({ params: { device_id: id } }) => {
        const readings = await client.getReadings(id);
        if (readings.length === 0 && (await client.getDeviceMetadata(id)) === null) {
          metrics.lookup('devices', 0, 1);
          throw new NotFoundError(`device ${id} not found`);
        }
        metrics.lookup('devices', 1, 0);
        return { body: { device_id: id, readings }, cache: DEVICE_CACHE };
      },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/devices/{device_id}/readings/{index}',
    operation: 'getReading',
    summary: 'Latest reading of one index',
    tag: DEVICES_TAG,
    access: 'cache:read',
    tenant: 'none',
    params: { ...device, index: PARAM.index },
    response: { status: 200, schema: named('Reading', Reading) },
    errors: [304, 400, 404],
    envelope: 'plain',
    handler:
      ({ client, metrics }) =>
      async ({ params: { device_id: id, index } }) => {
        const [reading] = await client.getReadings(id, index);
        if (reading === undefined) {
          metrics.lookup('devices', 0, 1);
          throw new NotFoundError(`device ${id} has no reading for index ${index}`, { details: { index } });
        }
        metrics.lookup('devices', 1, 0);
        return { body: reading, cache: DEVICE_CACHE };
      },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/devices/{device_id}/indexes',
    operation: 'listIndexes',
    summary: 'Indexes with a reading',
    tag: DEVICES_TAG,
    access: 'cache:read',
    tenant: 'none',
    params: device,
    response: { status: 200, schema: named('DeviceIndexes', IndexesResponse) },
    errors: [304, 400, 404],
    envelope: 'plain',
    handler:
      ({ client }) =>
      async ({ params: { device_id: id } }) => {
        const indexes = await client.listIndexes(id);
        if (indexes.length === 0 && (await client.getDeviceMetadata(id)) === null) {
          throw new NotFoundError(`device ${id} not found`);
        }
        return { body: { device_id: id, indexes }, cache: DEVICE_CACHE };
      },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/devices/{device_id}',
    operation: 'getDeviceMetadata',
    summary: 'Latest metadata of a device (URL-encode `/` as %2F)',
    tag: DEVICES_TAG,
    access: 'cache:read',
    tenant: 'none',
    params: device,
    response: { status: 200, schema: named('DeviceMetadata', DeviceMetadata) },
    errors: [304, 400, 404],
    envelope: 'plain',
    /**
     * The hot path: one HGETALL, sent to Redis together with the other requests of the same turn;
     * near-cache hits answered at that turn without a read, their JSON and ETag kept with the
     * entry. While tracing is on every read goes through the traced client (its span): no hit path.
     */
    handler: ({ client, metrics }) => {
      const batcher = new MetadataBatcher(client, tracing.on ? undefined : nearCacheOfClient(client));
      return async ({ c, params: { device_id: id } }) =>
        answerMetadata(c, id, await batcher.load(id), metrics);
    },
  }),
];
