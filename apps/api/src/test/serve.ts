import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { type CacheClient, type CreateCacheClientOptions, createCacheClient } from '@org/cache-client';
import { type CreateAppOptions, createApp } from '../app.js';

export interface ServedApp {
  url: string;
  /** Stops the HTTP server and closes the backend client. */
  stop(): Promise<void>;
}

/** The real app on `@hono/node-server`, on a free port of 127.0.0.1. */
export async function serveApp(options: CreateAppOptions): Promise<ServedApp> {
  const app = createApp(options);
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  let stopped: Promise<void> | null = null;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => {
      stopped ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        if ('closeAllConnections' in server) server.closeAllConnections();
        await closed;
        await options.client.close();
      })();
      return stopped;
    },
  };
}

/** An `http` client whose `close()` also stops the server it talks to. */
export function httpClientOwning(
  served: ServedApp,
  options: Partial<Extract<CreateCacheClientOptions, { transport: 'http' }>> = {},
): CacheClient {
  const client = createCacheClient({ transport: 'http', baseUrl: served.url, retries: 0, ...options });
  const close = client.close.bind(client);
  client.close = async () => {
    await close();
    await served.stop();
  };
  return client;
}
