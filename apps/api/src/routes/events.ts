import type { WatchOptions } from '@org/cache-client';
import { type CacheEventKind, escapeGlob, ValidationError } from '@org/cache-core';
import { z } from 'zod';
import { requestHeader } from '../http/context.js';
import { DEFAULT_SSE, sseBody } from '../http/sse-stream.js';
import { callerSubject } from '../limits/caller-subject.js';
import { PARAM } from '../route-table/params.js';
import { defineRoute, type RouteRequest } from '../route-table/route.js';
import type { RouteDeps } from './deps.js';

export const EVENTS_TAG = 'Change events';

const KINDS = ['device', 'kv', 'cache'] as const;

export const EventsQuery = z.object({
  kinds: z
    .string()
    .max(32)
    .regex(/^(device|kv|cache)(,(device|kv|cache)){0,2}$/, 'a comma-separated list of device, kv, cache')
    .optional()
    .meta({ description: 'Event kinds: `device`, `kv`, `cache`, comma-separated (default all)' }),
  pattern: PARAM.pattern.schema.optional(),
  since: z.string().max(128).optional().meta({
    description:
      'Start after this event id (what Last-Event-ID does; the header wins); `0`: from the oldest kept',
  }),
});
const DeviceEventsQuery = EventsQuery.pick({ since: true });

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-store',
  'x-accel-buffering': 'no',
};

/** Opens the SSE answer of a watch; an EventSource sends `Accept: text/event-stream`, others get 400. */
function serveEvents(
  deps: RouteDeps,
  request: RouteRequest<unknown, unknown, unknown>,
  options: WatchOptions,
) {
  const { c } = request;
  const accept = requestHeader(c, 'accept') ?? '';
  if (!accept.includes('text/event-stream')) {
    throw new ValidationError('this route streams server-sent events: send Accept: text/event-stream', {
      details: { field: 'accept' },
    });
  }
  const lastEventId = requestHeader(c, 'last-event-id');
  const since = lastEventId ?? options.since;
  const controller = new AbortController();
  // checked here (CACHE_004 / CACHE_007), before the answer starts
  const events = deps.feed.watch({
    ...options,
    since: since === '0' ? null : since,
    signal: controller.signal,
  });
  let release: () => void;
  try {
    // per process and per caller (429 with Retry-After): one token cannot take every reader's slot
    release = deps.eventReaders.take(callerSubject(request.principal, c.env));
  } catch (error) {
    controller.abort();
    throw error;
  }
  const log = { request_id: c.get('requestId'), principal: request.principal.id, tenant: request.tenant };
  deps.logger.info({ ...log, since: since ?? 'now' }, 'event reader connected');
  const body = sseBody(events, controller, DEFAULT_SSE, (reason) => {
    release();
    deps.logger.info({ ...log, reason }, 'event reader left');
  });
  c.set('responded', true);
  return new Response(body, { status: 200, headers: { ...c.get('headers'), ...SSE_HEADERS } });
}

function kindsOf(text: string | undefined): CacheEventKind[] {
  return text === undefined ? [...KINDS] : [...new Set(text.split(',') as CacheEventKind[])];
}

/**
 * The change feed as server-sent events: `GET /api/v2/events` (kinds, key or device pattern, the
 * caller's tenant) and `GET /api/devices/{device_id}/events`. Resumable with Last-Event-ID.
 */
export const EVENT_ROUTES = [
  defineRoute({
    method: 'GET',
    path: '/api/v2/events',
    operation: 'watchEvents',
    summary:
      "Change events as server-sent events (send Accept: text/event-stream): devices, the caller's tenant keys (X-Tenant-ID) and flushes; resume with Last-Event-ID",
    tag: EVENTS_TAG,
    access: 'cache:read',
    tenant: 'header',
    params: {},
    query: EventsQuery,
    response: { status: 200, description: 'An endless text/event-stream', contentType: 'text/event-stream' },
    errors: [400],
    envelope: 'plain',
    handler: (deps) => (request) =>
      serveEvents(deps, request, {
        kinds: kindsOf(request.query.kinds),
        pattern: request.query.pattern,
        tenant: request.tenant ?? undefined,
        since: request.query.since,
      }),
  }),
  defineRoute({
    method: 'GET',
    path: '/api/devices/{device_id}/events',
    operation: 'watchDeviceEvents',
    summary: 'Change events of one device as server-sent events (send Accept: text/event-stream)',
    tag: EVENTS_TAG,
    access: 'cache:read',
    tenant: 'none',
    params: { device_id: PARAM.deviceId },
    query: DeviceEventsQuery,
    response: { status: 200, description: 'An endless text/event-stream', contentType: 'text/event-stream' },
    errors: [400],
    envelope: 'plain',
    handler: (deps) => (request) =>
      serveEvents(deps, request, {
        kinds: ['device'],
        pattern: escapeGlob(request.params.device_id),
        since: request.query.since,
      }),
  }),
];
