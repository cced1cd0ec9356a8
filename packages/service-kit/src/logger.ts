import { isatty } from 'node:tty';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogFormat, LogLevel } from './log-settings.js';
import { isoTimeField } from './log-time.js';
import { PrettyDestination } from './pretty-destination.js';

export interface ServiceLoggerOptions {
  /** The app's name, the `service` field of every line (`cache-api`, `cache-ingestor`). */
  service: string;
  level: LogLevel;
  /** Default `auto`: pretty when the output is a terminal, else JSON. */
  format?: LogFormat;
  /** Where lines go; default the file descriptor `fd`. */
  destination?: DestinationStream;
  /** 1 (stdout, default) or 2 (stderr, written synchronously); used without `destination`. */
  fd?: 1 | 2;
  /** Whether the output is a terminal (for `auto`); default `isatty(fd)`, false with a `destination`. */
  isTerminal?: boolean;
}

/** `auto` resolved: pretty on a terminal, JSON otherwise. */
export function resolveLogFormat(format: LogFormat, isTerminal: boolean): 'pretty' | 'json' {
  if (format === 'auto') return isTerminal ? 'pretty' : 'json';
  return format;
}

/**
 * The one logger of every app: pino with the same fields everywhere: `level` as a name (`info`,
 * `warn`, …), `time` as an ISO 8601 UTC string, `service` (the app), `pid`, `msg`, and `err` for an
 * error. JSON lines, or on a terminal (`LOG_FORMAT=pretty`, or `auto` on a TTY) one readable line
 * each, with no dependency beyond pino.
 */
export function createServiceLogger(options: ServiceLoggerOptions): Logger {
  const fd = options.fd ?? 1;
  const isTerminal = options.isTerminal ?? (options.destination === undefined && isatty(fd));
  const format = resolveLogFormat(options.format ?? 'auto', isTerminal);
  const sink = options.destination ?? pino.destination({ dest: fd, sync: fd === 2 });
  return pino(
    {
      level: options.level,
      base: { service: options.service, pid: process.pid },
      timestamp: () => isoTimeField(),
      formatters: { level: (label) => ({ level: label }) },
    },
    format === 'pretty' ? (new PrettyDestination(sink) as DestinationStream) : sink,
  );
}
