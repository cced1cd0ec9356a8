import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { tracingSettingsOf } from '@org/service-kit';
import { API_VERSION } from './app.js';
import { bootstrap } from './bootstrap.js';
import { type ApiEnv, EnvError, loadEnv } from './env.js';
import { createLogger, flushLogger, type Logger } from './logger.js';
import { startTracing } from './tracing/start-tracing.js';

export interface RunningApi {
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish (bounded), closes the backend. */
  close(): Promise<void>;
}

/** Starts the API from a parsed env and returns once it listens. */
export async function startApi(env: ApiEnv, logger: Logger): Promise<RunningApi> {
  const tracing = startTracing(tracingSettingsOf(env, 'cache-api'), { version: API_VERSION });
  if (tracing) logger.info('tracing on (OpenTelemetry, OTLP/HTTP)');
  let draining = false;
  const { app, client, auth, backend, hub } = await bootstrap(env, logger, () => draining);
  const server = serve({ fetch: app.fetch, hostname: env.API_HOST, port: env.API_PORT });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const host = env.API_HOST === '0.0.0.0' || env.API_HOST === '::' ? 'localhost' : env.API_HOST;
  const url = `http://${host}:${port}`;
  logger.info({ url, backend, docs: `${url}/docs` }, `cache-api listening on ${url}`);

  const onHangup = () => {
    auth.reload().then(
      (summary) => logger.info(summary, 'auth settings reloaded (SIGHUP)'),
      (error: Error) =>
        logger.error({ err: { message: error.message } }, 'reload failed; the previous settings stay'),
    );
  };
  process.on('SIGHUP', onHangup);

  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      draining = true;
      process.off('SIGHUP', onHangup);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      if ('closeIdleConnections' in server) server.closeIdleConnections();
      const timer = setTimeout(() => {
        if ('closeAllConnections' in server) server.closeAllConnections();
      }, env.SHUTDOWN_TIMEOUT_MS);
      await closed;
      clearTimeout(timer);
      await hub?.stop();
      await client.close();
      await tracing?.shutdown();
    })();
    return closing;
  };
  return { url, port, close };
}

/** The `cache-api` entry: env → server, graceful shutdown on SIGTERM/SIGINT. */
export async function main(source: Record<string, string | undefined> = process.env): Promise<void> {
  let env: ApiEnv;
  try {
    env = loadEnv(source);
  } catch (error) {
    if (error instanceof EnvError) {
      process.stderr.write(`cache-api: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(env.LOG_LEVEL, undefined, env.LOG_FORMAT);
  if (!env.API_ENABLED) {
    logger.info('API_ENABLED=false: the API is disabled, exiting');
    flushLogger(logger);
    return;
  }
  let api: RunningApi;
  try {
    api = await startApi(env, logger);
  } catch (error) {
    logger.fatal(
      { err: { message: (error as Error).message } },
      `cache-api cannot start: ${(error as Error).message}`,
    );
    flushLogger(logger);
    process.exit(1);
  }
  let signals = 0;
  const stop = (signal: NodeJS.Signals) => {
    if (++signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now');
      flushLogger(logger);
      process.exit(1);
    }
    logger.info({ signal }, 'shutting down: draining requests');
    api.close().then(
      () => {
        logger.info('stopped');
        flushLogger(logger);
        process.exit(0);
      },
      (error: Error) => {
        logger.error({ err: { message: error.message } }, 'error during shutdown');
        flushLogger(logger);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
