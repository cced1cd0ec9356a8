import type { Context } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { AppEnv } from './context.js';

/**
 * The route pattern of the request (`/api/devices/:device_id`), never the raw path (it holds keys):
 * the first matched endpoint, which is the one that answers (or would have, past auth and limits).
 */
export function routeLabel(c: Context<AppEnv>): string {
  const set = c.get('route');
  if (set !== undefined) return set;
  for (const route of matchedRoutes(c)) if (route.method !== 'ALL') return route.path;
  return 'unmatched';
}
