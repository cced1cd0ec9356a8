import type { FailureClass } from './failure-class.js';

/** Error codes shared by every transport, the API's error envelope and the CLI. */
export const ErrorCode = {
  /** The key (or device) does not exist. */
  KEY_NOT_FOUND: 'CACHE_001',
  /** The key existed but its TTL ran out. */
  KEY_EXPIRED: 'CACHE_002',
  /** Redis refused a write because it is out of memory (OOM / maxmemory). */
  STORAGE_FULL: 'CACHE_003',
  /** A key, device id, tenant id, index or pattern is empty, too long or has forbidden characters. */
  INVALID_KEY: 'CACHE_004',
  /** The backend did not answer in time. */
  TIMEOUT: 'CACHE_005',
  /** The backend cannot be reached (connection refused, cluster down). */
  UNAVAILABLE: 'CACHE_006',
  /** A request body or message does not match its schema. */
  INVALID_INPUT: 'CACHE_007',
  /** A body, value or batch is larger than allowed. */
  TOO_LARGE: 'CACHE_008',
  /** Too many requests for this token or tenant. */
  RATE_LIMITED: 'CACHE_009',
  /** Anything else: a bug or an unexpected backend answer. */
  INTERNAL: 'CACHE_010',
  /** Missing, malformed, unknown or expired credentials. */
  INVALID_CREDENTIALS: 'AUTH_001',
  /** Valid credentials without the scope or tenant needed. */
  INSUFFICIENT_PERMISSIONS: 'AUTH_002',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The HTTP status each code maps to: the API answers with it and the HTTP transport reads it back. */
export const httpStatusOf: Record<ErrorCode, number> = {
  CACHE_001: 404,
  CACHE_002: 404,
  CACHE_003: 507,
  CACHE_004: 400,
  CACHE_005: 504,
  CACHE_006: 503,
  CACHE_007: 400,
  CACHE_008: 413,
  CACHE_009: 429,
  CACHE_010: 500,
  AUTH_001: 401,
  AUTH_002: 403,
};

const RETRIABLE = new Set<ErrorCode>(['CACHE_005', 'CACHE_006', 'CACHE_009']);

export interface CacheErrorOptions {
  cause?: unknown;
  /** What the error is about: a key, device id, field, operation… Never a value or a secret. */
  details?: Record<string, unknown>;
  retriable?: boolean;
  /** Seconds the server asked to wait before trying again (`Retry-After`). */
  retryAfterSeconds?: number;
  /** How `classifyFailure` must class this error when its code alone does not say (see failure-class.ts). */
  failure?: FailureClass;
}

/** Base class of every error the cache raises on purpose. */
export class CacheError extends Error {
  override readonly name: string = 'CacheError';
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly details: Record<string, unknown>;
  /** Seconds the server asked to wait before trying again, when it said so. */
  readonly retryAfterSeconds: number | undefined;
  /** An explicit failure class (e.g. `fatal` for refused Redis credentials); see `classifyFailure`. */
  readonly failure: FailureClass | undefined;

  constructor(code: ErrorCode, message: string, options: CacheErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retriable =
      options.retriable ?? (options.failure ? options.failure === 'transient' : RETRIABLE.has(code));
    this.details = options.details ?? {};
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.failure = options.failure;
  }

  get status(): number {
    return httpStatusOf[this.code];
  }
}

export class NotFoundError extends CacheError {
  override readonly name = 'NotFoundError';
  constructor(message: string, options?: CacheErrorOptions) {
    super(ErrorCode.KEY_NOT_FOUND, message, options);
  }
}

export class InvalidKeyError extends CacheError {
  override readonly name = 'InvalidKeyError';
  constructor(message: string, options?: CacheErrorOptions) {
    super(ErrorCode.INVALID_KEY, message, options);
  }
}

export class ValidationError extends CacheError {
  override readonly name = 'ValidationError';
  constructor(message: string, options?: CacheErrorOptions) {
    super(ErrorCode.INVALID_INPUT, message, options);
  }
}

export class TooLargeError extends CacheError {
  override readonly name = 'TooLargeError';
  constructor(message: string, options?: CacheErrorOptions) {
    super(ErrorCode.TOO_LARGE, message, options);
  }
}

export class TimeoutError extends CacheError {
  override readonly name = 'TimeoutError';
  constructor(message: string, options?: CacheErrorOptions) {
    super(ErrorCode.TIMEOUT, message, options);
  }
}

export class UnavailableError extends CacheError {
  override readonly name = 'UnavailableError';
  constructor(message: string, options?: CacheErrorOptions) {
    super(ErrorCode.UNAVAILABLE, message, options);
  }
}

export class StorageFullError extends CacheError {
  override readonly name = 'StorageFullError';
  constructor(message: string, options?: CacheErrorOptions) {
    super(ErrorCode.STORAGE_FULL, message, options);
  }
}

/** CACHE_002: the key existed but its TTL ran out (the tenant's key index still remembers it). */
export class KeyExpiredError extends CacheError {
  override readonly name = 'KeyExpiredError';
  constructor(message: string, options?: CacheErrorOptions) {
    super(ErrorCode.KEY_EXPIRED, message, options);
  }
}

/**
 * A stored value that cannot be read back as written: its frame is malformed, it was encrypted
 * under a key id this reader's key ring lacks, or it fails authentication (tampered, or copied
 * under another tenant or key). CACHE_010, permanent; `details.reason` says which.
 */
export class StoredValueError extends CacheError {
  override readonly name = 'StoredValueError';
  constructor(message: string, options?: CacheErrorOptions) {
    super(ErrorCode.INTERNAL, message, { failure: 'permanent', ...options });
  }
}

export class AuthError extends CacheError {
  override readonly name = 'AuthError';
  constructor(message: string, options?: CacheErrorOptions) {
    super(ErrorCode.INVALID_CREDENTIALS, message, options);
  }
}

export class ForbiddenError extends CacheError {
  override readonly name = 'ForbiddenError';
  constructor(message: string, options?: CacheErrorOptions) {
    super(ErrorCode.INSUFFICIENT_PERMISSIONS, message, options);
  }
}

export class RateLimitError extends CacheError {
  override readonly name = 'RateLimitError';
  declare readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number, options?: CacheErrorOptions) {
    super(ErrorCode.RATE_LIMITED, message, { ...options, retryAfterSeconds });
  }
}

const CLASS_OF: Partial<Record<ErrorCode, new (message: string, options?: CacheErrorOptions) => CacheError>> =
  {
    CACHE_001: NotFoundError,
    CACHE_002: KeyExpiredError,
    CACHE_003: StorageFullError,
    CACHE_004: InvalidKeyError,
    CACHE_005: TimeoutError,
    CACHE_006: UnavailableError,
    CACHE_007: ValidationError,
    CACHE_008: TooLargeError,
    AUTH_001: AuthError,
    AUTH_002: ForbiddenError,
  };

/** Rebuilds the matching error class from a code (used when an error crosses HTTP). */
export function errorFromCode(code: string, message: string, options?: CacheErrorOptions): CacheError {
  const known = code in httpStatusOf ? (code as ErrorCode) : ErrorCode.INTERNAL;
  const Ctor = CLASS_OF[known];
  return Ctor ? new Ctor(message, options) : new CacheError(known, message, options);
}

export function isCacheError(error: unknown): error is CacheError {
  return error instanceof CacheError;
}
