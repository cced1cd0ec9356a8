import { isatty } from 'node:tty';
import { createServiceLogger, type LogFormat, type LogLevel, PrettyDestination } from '@org/service-kit';
import pino, { type DestinationStream, type Logger } from 'pino';
import { BatchedDestination } from './log-destination.js';

export type { Logger } from 'pino';

/**
 * The API's logger: `@org/service-kit`'s, with the fields of every app (`level` as a name, `time`
 * in ISO 8601, `service: "cache-api"`, `pid`, `msg`): JSON lines, or one readable line each on a
 * terminal (`format` `auto`, the default) or with `pretty`. Lines are gathered and written in
 * batches on stdout (the hot path never waits on the terminal or a pipe).
 * Nothing secret is ever passed to it: access lines hold the route pattern, never the path, a
 * header, a token or a value.
 */
export function createLogger(
  level: LogLevel,
  destination?: DestinationStream,
  format: LogFormat = 'auto',
): Logger {
  return createServiceLogger({
    service: 'cache-api',
    level,
    format,
    destination: destination ?? new BatchedDestination(1),
    isTerminal: destination === undefined && isatty(1),
  });
}

/** Writes what the logger still holds (before exit). */
export function flushLogger(logger: Logger): void {
  const stream = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym];
  if (stream instanceof BatchedDestination || stream instanceof PrettyDestination) stream.flushSync();
  else logger.flush();
}
