import { PARAM } from '../route-table/params.js';
import { defineRoute, named } from '../route-table/route.js';
import { FutureDevicesPage, FutureDevicesQuery, ResetDeviceResponse } from '../schemas/devices.js';

export const ADMIN_TAG = 'Device repair';

/** Repairs of device state (scope `devices:admin`, never held by a tenant-restricted token). */
export const ADMIN_ROUTES = [
  defineRoute({
    method: 'POST',
    path: '/api/admin/devices/{device_id}/reset',
    operation: 'resetDevice',
    summary: "Remove a device's metadata, readings and index entries",
    tag: ADMIN_TAG,
    access: 'devices:admin',
    tenant: 'none',
    params: { device_id: PARAM.deviceId },
    response: { status: 200, schema: named('ResetDeviceResult', ResetDeviceResponse) },
    errors: [400],
    envelope: 'plain',
    handler:
      ({ client, logger }) =>
      async ({ c, principal, params: { device_id } }) => {
        const result = await client.resetDevice(device_id, { correlationId: c.get('correlationId') });
        logger.warn(
          { principal: principal.id, request_id: c.get('requestId'), existed: result.existed },
          'device reset',
        );
        return { body: result };
      },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/admin/devices/future',
    operation: 'listFutureDevices',
    summary:
      'Devices whose newest reading or last_updated is after `after` (default now + MAX_FUTURE_SKEW); bounded work per call',
    tag: ADMIN_TAG,
    access: 'devices:admin',
    tenant: 'none',
    params: {},
    query: FutureDevicesQuery,
    response: { status: 200, schema: named('FutureDevicePage', FutureDevicesPage) },
    errors: [400],
    envelope: 'plain',
    handler:
      ({ client }) =>
      async ({ query }) => ({
        body: await client.listFutureDevices({
          after: query.after,
          limit: query.limit,
          cursor: query.cursor,
        }),
      }),
  }),
];
