import pino, { type DestinationStream, type Logger } from 'pino';
import { BatchedDestination } from './log-destination.js';

export type { Logger } from 'pino';

/**
 * JSON logs on stdout (pino's format: `time` in epoch milliseconds), gathered and written asynchronously in batches (the hot path never waits
 * on the terminal or a pipe).
 * Nothing secret is ever passed to it: access lines hold the route pattern, never the path, a
 * header, a token or a value.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, base: { service: 'cache-api' } }, destination ?? new BatchedDestination(1));
}

/** Writes what the logger still holds (before exit). */
export function flushLogger(logger: Logger): void {
  const stream = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym];
  if (stream instanceof BatchedDestination) stream.flushSync();
  else logger.flush();
}
