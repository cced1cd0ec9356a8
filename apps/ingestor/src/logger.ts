import { createServiceLogger, type LogFormat, type LogLevel } from '@org/service-kit';
import type { Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * The ingestor's logger: `@org/service-kit`'s, with the fields of every app (`level` as a name,
 * `time` in ISO 8601, `service: "cache-ingestor"`, `pid`, `msg`): JSON lines, or one readable line
 * each on a terminal (`format` `auto`, the default) or with `pretty`. Message values are never
 * logged at info level or above: only origins (topic, partition, offset), error codes and reasons
 * (which never quote the value).
 * `fd` 1 (stdout, the service) or 2 (stderr, the file mode, whose stdout carries the summary).
 */
export function createLogger(level: LogLevel, fd: 1 | 2 = 1, format: LogFormat = 'auto'): Logger {
  return createServiceLogger({ service: 'cache-ingestor', level, format, fd });
}
