import { ErrorCode, isCacheError } from '@org/cache-core';

/** Where the pipeline writes: Redis itself, or the cache REST API (`--api-url`). */
export type WriteTarget = 'redis' | 'api';

/**
 * A failure no retry and no message can fix: the credentials were refused. The ingestor stops at
 * once (exit code 2) with a message naming the setting to fix.
 */
export class FatalIngestError extends Error {
  override readonly name = 'FatalIngestError';
  /** The configuration to fix (environment variable names). */
  readonly setting: string;

  constructor(message: string, setting: string, cause: unknown) {
    super(message, { cause });
    this.setting = setting;
  }
}

/** The fatal error for a refusal of the credentials by `target` (never quotes a secret). */
export function credentialsRefused(error: unknown, target: WriteTarget): FatalIngestError {
  const code = isCacheError(error) ? error.code : undefined;
  if (target === 'api') {
    const setting = 'CACHE_API_TOKEN';
    return code === ErrorCode.INSUFFICIENT_PERMISSIONS
      ? new FatalIngestError(
          `the cache API refused the write (${code}, HTTP 403): the token of ${setting} lacks the devices:write scope`,
          setting,
          error,
        )
      : new FatalIngestError(
          `the cache API refused the credentials (${code ?? 'AUTH_001'}, HTTP 401): check ${setting}`,
          setting,
          error,
        );
  }
  const setting = 'REDIS_URL / REDIS_PASSWORD';
  return new FatalIngestError(
    `Redis refused the credentials (NOAUTH, WRONGPASS or NOPERM): check the user and password in REDIS_URL or REDIS_PASSWORD`,
    setting,
    error,
  );
}
