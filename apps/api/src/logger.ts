import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * JSON logs on stdout, written asynchronously (the hot path never blocks on the terminal).
 * Nothing secret is ever passed to it: access lines hold the route pattern, never the path, a
 * header, a token or a value.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  let dest = destination;
  if (dest === undefined) {
    // Lines are gathered up to 4 KiB per write (one syscall for many requests) and flushed at
    // least every 250 ms, so a quiet server still shows its logs at once.
    const boom = pino.destination({ dest: 1, sync: false, minLength: 4096 });
    setInterval(() => boom.flush(), 250).unref();
    dest = boom;
  }
  return pino({ level, base: { service: 'cache-api' }, timestamp: pino.stdTimeFunctions.isoTime }, dest);
}

/** Flushes the async destination (before exit). */
export function flushLogger(logger: Logger): void {
  try {
    logger.flush();
  } catch {
    // nothing buffered, or the stream is already closed
  }
}
