import pino, { type Logger } from 'pino';
import type { LogLevel } from './env.js';

export type { Logger } from 'pino';

/**
 * Structured JSON logs. Message values are never logged at info level or above: only origins
 * (topic, partition, offset), error codes and reasons (which never quote the value).
 * `fd` 1 (stdout, the service) or 2 (stderr, the file mode, whose stdout carries the summary).
 */
export function createLogger(level: LogLevel, fd: 1 | 2 = 1): Logger {
  return pino(
    {
      level,
      base: { service: 'cache_service', component: 'ingestor', pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ dest: fd, sync: fd === 2 }),
  );
}
