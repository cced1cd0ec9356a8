import { ADMIN_ROUTES } from '../routes/admin.js';
import { CACHE_V1_ROUTES } from '../routes/cache-v1.js';
import { CACHE_V2_ROUTES } from '../routes/cache-v2.js';
import { DEVICE_READ_ROUTES } from '../routes/devices.js';
import { DEVICE_WRITE_ROUTES } from '../routes/devices-write.js';
import { EVENT_ROUTES } from '../routes/events.js';
import { HEALTH_ROUTES } from '../routes/health.js';
import { OPS_ROUTES } from '../routes/ops.js';
import type { AnyRoute } from './route.js';

/**
 * Every route of the API, once: the registrar serves exactly these, and /openapi.json documents
 * exactly these. Adding a route is adding it to one of the lists.
 */
export const API_ROUTES: readonly AnyRoute[] = [
  ...DEVICE_READ_ROUTES,
  ...DEVICE_WRITE_ROUTES,
  ...CACHE_V1_ROUTES,
  ...CACHE_V2_ROUTES,
  ...HEALTH_ROUTES,
  ...ADMIN_ROUTES,
  ...OPS_ROUTES,
  ...EVENT_ROUTES,
];
