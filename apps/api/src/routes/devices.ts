import {
  NotFoundError,
  normalizeTimestamp,
  TooLargeError,
  timestampToMillis,
  ValidationError,
} from '@org/cache-core';
import type { Context, Hono } from 'hono';
import { requireScope } from '../auth/middleware.js';
import type { AppEnv } from '../http/context.js';
import { conditionalJson } from '../http/etag.js';
import { json } from '../http/respond.js';
import { readBody, readQuery } from '../http/validate.js';
import { DeviceBatchBody, ListDevicesQuery } from '../schemas/devices.js';
import type { RouteDeps } from './deps.js';
import { MetadataBatcher } from './metadata-batcher.js';

/** Device state changes with every reading: clients revalidate (cheap with ETag → 304). */
const DEVICE_CACHE_CONTROL = 'private, no-cache';

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

/** Device reads: listing, metadata, readings, indexes, batch metadata and cache statistics. */
export function registerDeviceReads(app: Hono<AppEnv>, deps: RouteDeps): void {
  const { client, metrics, limits } = deps;

  app.get('/api/devices', async (c) => {
    requireScope(c, 'cache:read');
    c.set('operation', 'listDevices');
    const q = readQuery(c, ListDevicesQuery);
    const page = await client.listDevices({
      limit: q.limit,
      cursor: q.cursor,
      offset: q.offset,
      pattern: q.pattern,
      sort: q.sort,
      updatedSince: parseSince(q.updated_since),
    });
    return conditionalJson(c, JSON.stringify(page), { cacheControl: DEVICE_CACHE_CONTROL });
  });

  app.post('/api/devices/batch', async (c) => {
    requireScope(c, 'cache:read');
    c.set('operation', 'getDeviceMetadataMany');
    const { device_ids } = await readBody(c, DeviceBatchBody);
    if (device_ids.length > limits.maxBatch) {
      throw new TooLargeError(`at most ${limits.maxBatch} device ids per batch`, {
        details: { count: device_ids.length, max: limits.maxBatch },
      });
    }
    const devices = await client.getDeviceMetadataMany(device_ids);
    const notFound = device_ids.filter((_, i) => devices[i] === null);
    metrics.lookup('devices', devices.length - notFound.length, notFound.length);
    return json(c, { devices, found: devices.length - notFound.length, not_found: notFound });
  });

  app.get('/api/stats', async (c) => {
    requireScope(c, 'cache:read');
    c.set('operation', 'getCacheInfo');
    return json(c, await client.getCacheInfo());
  });

  app.get('/api/devices/:device_id/readings', async (c) => {
    requireScope(c, 'cache:read');
    const id = c.req.param('device_id');
    c.set('operation', 'getReadings');
    c.set('subjectKey', id);
    const readings = await client.getReadings(id);
    if (readings.length === 0 && (await client.getDeviceMetadata(id)) === null) {
      metrics.lookup('devices', 0, 1);
      throw new NotFoundError(`device ${id} not found`);
    }
    metrics.lookup('devices', 1, 0);
    return conditionalJson(c, JSON.stringify({ device_id: id, readings }), {
      cacheControl: DEVICE_CACHE_CONTROL,
    });
  });

  app.get('/api/devices/:device_id/readings/:index', async (c) => {
    requireScope(c, 'cache:read');
    const id = c.req.param('device_id');
    const index = c.req.param('index');
    c.set('operation', 'getReading');
    c.set('subjectKey', id);
    const [reading] = await client.getReadings(id, index);
    if (reading === undefined) {
      metrics.lookup('devices', 0, 1);
      throw new NotFoundError(`device ${id} has no reading for index ${index}`, { details: { index } });
    }
    metrics.lookup('devices', 1, 0);
    return conditionalJson(c, JSON.stringify(reading), { cacheControl: DEVICE_CACHE_CONTROL });
  });

  app.get('/api/devices/:device_id/indexes', async (c) => {
    requireScope(c, 'cache:read');
    const id = c.req.param('device_id');
    c.set('operation', 'listIndexes');
    c.set('subjectKey', id);
    const indexes = await client.listIndexes(id);
    if (indexes.length === 0 && (await client.getDeviceMetadata(id)) === null) {
      throw new NotFoundError(`device ${id} not found`);
    }
    return conditionalJson(c, JSON.stringify({ device_id: id, indexes }), {
      cacheControl: DEVICE_CACHE_CONTROL,
    });
  });

  /** The hot path: one HGETALL, sent to Redis together with the other requests of the same turn. */
  const batcher = new MetadataBatcher(client);
  const getMetadata = async (c: Context<AppEnv>) => {
    requireScope(c, 'cache:read');
    const id = c.req.param('device_id') ?? '';
    c.set('operation', 'getDeviceMetadata');
    c.set('subjectKey', id);
    const metadata = await batcher.load(id);
    if (metadata === null) {
      metrics.lookup('devices', 0, 1);
      throw new NotFoundError(`device ${id} not found`);
    }
    metrics.lookup('devices', 1, 0);
    return conditionalJson(c, JSON.stringify(metadata), { cacheControl: DEVICE_CACHE_CONTROL });
  };
  app.get('/api/devices/:device_id', getMetadata);
}
