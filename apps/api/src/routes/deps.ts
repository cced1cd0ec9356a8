import type { CacheClient } from '@org/cache-client';
import type { Authenticator } from '../auth/authenticator.js';
import type { SharedFeed } from '../events/shared-feed.js';
import type { EventReaderSlots } from '../limits/event-readers.js';
import type { ApiLimits } from '../limits/limits.js';
import type { Logger } from '../logger.js';
import type { ApiMetrics } from '../metrics.js';
import type { AnyRoute } from '../route-table/route.js';

/** What route handlers use. */
export interface RouteDeps {
  client: CacheClient;
  auth: Authenticator;
  limits: ApiLimits;
  /** The change-feed readers' slots of this app (`limits.eventReaders`). */
  eventReaders: EventReaderSlots;
  /** The change feed every event reader of this app is served from (one follower of the outbox). */
  feed: SharedFeed;
  logger: Logger;
  metrics: ApiMetrics;
  version: string;
  startedAt: number;
  /** True once shutdown started: readiness answers 503 so load balancers stop sending. */
  isDraining: () => boolean;
  /** Every route the app serves (what /openapi.json describes). */
  routes: readonly AnyRoute[];
}
