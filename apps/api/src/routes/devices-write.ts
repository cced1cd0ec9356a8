import type { Reading } from '@org/cache-core';
import {
  TooLargeError,
  timestampFromMillis,
  toReading,
  ValidatedOutput,
  ValidationError,
} from '@org/cache-core';
import type { Hono } from 'hono';
import { requireScope } from '../auth/middleware.js';
import type { AppEnv } from '../http/context.js';
import { json } from '../http/respond.js';
import { readBody } from '../http/validate.js';
import { MetadataBody, ReadingsBody } from '../schemas/devices.js';
import type { RouteDeps } from './deps.js';

interface ReadingProblem {
  position: number;
  device_id: string | null;
  field: string;
  message: string;
}

const MAX_REPORTED_PROBLEMS = 100;

/** Device writes: metadata of one device, and batches of `ValidatedOutput` readings (the ingestor's feed). */
export function registerDeviceWrites(app: Hono<AppEnv>, deps: RouteDeps): void {
  const { client, limits } = deps;

  app.put('/api/devices/:device_id/metadata', async (c) => {
    requireScope(c, 'cache:write');
    const id = c.req.param('device_id');
    c.set('operation', 'storeDeviceMetadata');
    c.set('subjectKey', id);
    const body = await readBody(c, MetadataBody);
    await client.storeDeviceMetadata(id, {
      datatype_id: body.datatype_id,
      datatype_name: body.datatype_name,
      datatype_unit: body.datatype_unit ?? null,
      persist: body.persist ?? true,
      last_updated: body.last_updated ?? timestampFromMillis(Date.now()),
      additional_properties: body.additional_properties ?? {},
    });
    // What is stored now: the caller's metadata, or a newer one that was already there.
    return json(c, await client.getDeviceMetadata(id));
  });

  app.post('/api/devices/readings', async (c) => {
    requireScope(c, 'cache:write');
    c.set('operation', 'upsertReadings');
    const body = await readBody(c, ReadingsBody);
    const items = Array.isArray(body) ? body : body.readings;
    if (items.length > limits.maxReadingsBatch) {
      throw new TooLargeError(`at most ${limits.maxReadingsBatch} readings per batch`, {
        details: { count: items.length, max: limits.maxReadingsBatch },
      });
    }
    const valid: Reading[] = [];
    const problems: ReadingProblem[] = [];
    let invalid = 0;
    items.forEach((item, position) => {
      const parsed = ValidatedOutput.safeParse(item);
      if (parsed.success) {
        valid.push(toReading(parsed.data));
        return;
      }
      invalid++;
      if (problems.length >= MAX_REPORTED_PROBLEMS) return;
      const issue = parsed.error.issues[0]!;
      const deviceId = (item as { device_id?: unknown } | null)?.device_id;
      problems.push({
        position,
        device_id: typeof deviceId === 'string' ? deviceId.slice(0, 256) : null,
        field: issue.path.join('.'),
        message: issue.message,
      });
    });
    if (items.length > 0 && valid.length === 0) {
      throw new ValidationError(
        `none of the ${items.length} readings is valid: ${problems[0]?.field}: ${problems[0]?.message}`,
        {
          details: { invalid, errors: problems },
        },
      );
    }
    const result = await client.upsertReadings(valid);
    return json(c, { ...result, invalid, errors: problems });
  });
}
