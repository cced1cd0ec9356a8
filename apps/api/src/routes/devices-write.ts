import { DeviceMetadata, NotFoundError, timestampFromMillis } from '@org/cache-core';
import { PARAM } from '../route-table/params.js';
import { defineRoute, named } from '../route-table/route.js';
import { MetadataBody, ReadingsBody, UpsertResponse } from '../schemas/devices.js';
import { DEVICES_TAG } from './devices.js';
import { writeReadings } from './readings-batch.js';

/** Device writes (scope `devices:write`, never held by a tenant-restricted token). */
export const DEVICE_WRITE_ROUTES = [
  defineRoute({
    method: 'PUT',
    path: '/api/devices/{device_id}/metadata',
    operation: 'storeDeviceMetadata',
    summary: 'Store device metadata (ignored when older than the stored one); answers what is stored',
    tag: DEVICES_TAG,
    access: 'devices:write',
    tenant: 'none',
    params: { device_id: PARAM.deviceId },
    body: named('DeviceMetadataInput', MetadataBody),
    response: { status: 200, schema: named('DeviceMetadata', DeviceMetadata) },
    errors: [400, 404, 413],
    envelope: 'plain',
    handler:
      ({ client }) =>
      async ({ c, params: { device_id: id }, body }) => {
        await client.storeDeviceMetadata(
          id,
          {
            datatype_id: body.datatype_id,
            datatype_name: body.datatype_name,
            datatype_unit: body.datatype_unit ?? null,
            persist: body.persist ?? true,
            last_updated: body.last_updated ?? timestampFromMillis(Date.now()),
            additional_properties: body.additional_properties ?? {},
          },
          { correlationId: c.get('correlationId') },
        );
        // What is stored now: the caller's metadata, or a newer one that was already there.
        const stored = await client.getDeviceMetadata(id);
        // A reset or flush between the write and the read-back: the write happened, its state is gone.
        if (stored === null) throw new NotFoundError(`device ${id} was reset or flushed while being written`);
        return { body: stored };
      },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/devices/readings',
    operation: 'upsertReadings',
    summary:
      'Write a batch of ValidatedOutput readings (latest per device and index wins); every valid item is written, each invalid one is reported with its position, code and reason',
    tag: DEVICES_TAG,
    access: 'devices:write',
    tenant: 'none',
    params: {},
    body: named('ReadingsBatch', ReadingsBody),
    response: { status: 200, schema: named('UpsertResult', UpsertResponse) },
    errors: [400, 413],
    envelope: 'plain',
    handler:
      (deps) =>
      async ({ c, body }) => ({
        body: await writeReadings(deps, Array.isArray(body) ? body : body.readings, c.get('correlationId')),
      }),
  }),
];
