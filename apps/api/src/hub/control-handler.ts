import type { CacheClient } from '@org/cache-client';
import {
  ConfigUpdateMessage,
  type ControlAction,
  ControlActionMessage,
  type ControlRefusal,
  type ControlResultEvent,
  HUB_EVENT_VERSION,
  HUB_EVENTS,
} from '@org/cache-core';
import { authoriseControl, type ControlAuthOptions, type ControlInput } from './control-auth.js';
import type { HubLogger } from './hub-logger.js';
import type { HubRuntimeConfig } from './runtime-config.js';

export interface ControlHandlerOptions extends ControlAuthOptions {
  client: CacheClient;
  config: HubRuntimeConfig;
  logger: HubLogger;
  serviceId: string;
  /** Re-reads the service's reloadable settings (the API: its tokens file). */
  reload?: () => Promise<unknown>;
}

type Outcome =
  | { status: 'applied'; result: Record<string, number | string | boolean> | null }
  | { status: 'refused' | 'failed'; reason: ControlRefusal };

function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    return undefined;
  }
}

async function applyAction(
  options: ControlHandlerOptions,
  action: ControlAction,
  correlationId: string,
): Promise<Record<string, number | boolean>> {
  const write = { correlationId };
  switch (action.action) {
    case 'invalidate':
      return { deleted: await options.client.forTenant(action.tenant).invalidate(action.pattern, write) };
    case 'clear_tenant':
      return { deleted: await options.client.forTenant(action.tenant).clearTenant(write) };
    case 'flush':
      await options.client.flush(write);
      return { flushed: true };
    case 'reload':
      if (!options.reload) return { reloaded: false };
      await options.reload();
      return { reloaded: true };
  }
}

/**
 * Handles one message of `control.cache.action` or `config.cache.update`: authorises it
 * (`authoriseControl`), validates the body against its zod schema, applies it, and returns the
 * `control.cache.result` event to answer with. Never throws: a failure to apply is `failed`
 * with reason `unavailable`, logged here (the answer holds no internal detail).
 */
export async function handleControl(
  eventType: typeof HUB_EVENTS.controlAction | typeof HUB_EVENTS.configUpdate,
  input: ControlInput,
  options: ControlHandlerOptions,
): Promise<ControlResultEvent> {
  let correlationId: string | null = null;
  let outcome: Outcome;
  try {
    const check = await authoriseControl(eventType, input, options);
    correlationId = check.correlationId;
    if (!check.ok) outcome = { status: 'refused', reason: check.reason };
    else {
      const json = parseJson(check.body);
      if (eventType === HUB_EVENTS.controlAction) {
        const parsed = ControlActionMessage.safeParse(json);
        outcome = parsed.success
          ? { status: 'applied', result: await applyAction(options, parsed.data.data, check.correlationId) }
          : { status: 'refused', reason: 'invalid_message' };
      } else {
        const parsed = ConfigUpdateMessage.safeParse(json);
        if (parsed.success) {
          options.config.apply(parsed.data.data);
          outcome = { status: 'applied', result: { config_version: options.config.version } };
        } else outcome = { status: 'refused', reason: 'invalid_message' };
      }
    }
  } catch (error) {
    options.logger.error(
      { err: { message: (error as Error).message }, event: eventType },
      'hub: control failed',
    );
    outcome = { status: 'failed', reason: 'unavailable' };
  }
  // refusals are counted and logged by the caller (once a second: a flood must not flood the log)
  if (outcome.status === 'applied') {
    options.logger.info({ event: eventType, correlation_id: correlationId }, 'hub: control message applied');
  }
  return {
    event: HUB_EVENTS.controlResult,
    version: HUB_EVENT_VERSION,
    correlation_id: correlationId,
    data: {
      request_event: eventType,
      status: outcome.status,
      reason: 'reason' in outcome ? outcome.reason : null,
      result: outcome.status === 'applied' ? outcome.result : null,
      timestamp: new Date().toISOString(),
      service_id: options.serviceId,
    },
  };
}
