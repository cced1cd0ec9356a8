import { z } from 'zod';

/**
 * The names `LOG_LEVEL` accepts (any case, surrounding blanks ignored) and the pino level each
 * means; `warning` and `critical` are the seed's (Python logging) names.
 */
export const LOG_LEVEL_NAMES = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  critical: 'fatal',
  fatal: 'fatal',
  silent: 'silent',
} as const;
export type LogLevel = (typeof LOG_LEVEL_NAMES)[keyof typeof LOG_LEVEL_NAMES];

/** `LOG_LEVEL`: one of `LOG_LEVEL_NAMES` in any case, read as its pino level. */
export const logLevelSetting = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(Object.keys(LOG_LEVEL_NAMES) as [keyof typeof LOG_LEVEL_NAMES]))
  .transform((name): LogLevel => LOG_LEVEL_NAMES[name]);

export const LOG_FORMATS = ['pretty', 'json', 'auto'] as const;
/** `pretty`: one readable line per entry; `json`: one JSON object per line; `auto`: pretty on a terminal, else JSON. */
export type LogFormat = (typeof LOG_FORMATS)[number];

/** `LOG_FORMAT`: `pretty`, `json` or `auto` (any case). */
export const logFormatSetting = z.string().trim().toLowerCase().pipe(z.enum(LOG_FORMATS));
