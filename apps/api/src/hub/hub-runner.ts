import { type Hub, type StartHubOptions, startHub } from './start-hub.js';

export interface HubRunner {
  /** The running hub, or null while NATS has not been reached yet. */
  current(): Hub | null;
  stop(): Promise<void>;
}

/**
 * Starts the hub without making the caller wait for NATS: a service keeps serving when NATS is
 * down at its start, and the hub starts as soon as NATS answers (tried every `retryMs`, default
 * 5 s, with one warning per failure streak). Once started, the NATS client reconnects by itself.
 */
export function runHub(options: StartHubOptions & { retryMs?: number }): HubRunner {
  let hub: Hub | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  let failures = 0;
  const attempt = () => {
    inFlight = startHub(options).then(
      async (started) => {
        if (stopped) return started.stop();
        hub = started;
        if (failures > 0)
          options.logger.info({ attempts: failures + 1 }, 'hub: started after NATS became reachable');
      },
      (error: Error) => {
        if (failures++ === 0) {
          options.logger.warn(
            { err: { message: error.message } },
            'hub: cannot start (is NATS reachable?); retrying',
          );
        }
        if (!stopped) timer = setTimeout(attempt, options.retryMs ?? 5_000);
      },
    );
  };
  attempt();
  return {
    current: () => hub,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
      await hub?.stop();
      hub = null;
    },
  };
}
