import { type CacheError, ErrorCode, errorFromCode } from './errors.js';

/** Why an input is out of bounds: each reason has its error code (see INPUT_BOUNDS in input-bounds.ts). */
export type BoundsReason =
  | 'message_too_large'
  | 'value_too_deep'
  | 'too_many_metadata_keys'
  | 'metadata_key_too_long'
  | 'metadata_value_too_large'
  | 'id_too_long'
  | 'index_too_long'
  | 'timestamp_in_future'
  /** An id or index that is empty (ids only) or holds control characters or unpaired surrogates. */
  | 'invalid_id'
  /** A timestamp that is not the normalized form (`toReading` of a parsed `ValidatedOutput`). */
  | 'invalid_timestamp'
  /** A field of the wrong type (values not an array, a label not a string, metadata not an object…). */
  | 'invalid_shape'
  /** Something JSON cannot hold (a bigint, a function, a symbol). */
  | 'not_json'
  /** A metadata key or seed field with an unpaired surrogate (Redis and Lua cannot carry it). */
  | 'invalid_unicode'
  | 'request_id_too_long'
  /** The metadata key `__proto__`: JavaScript objects (and so the clients reading the hash) cannot carry it. */
  | 'metadata_key_reserved';

export interface InputProblem {
  reason: BoundsReason;
  code: ErrorCode;
  /** Which field: `device_id`, `values`, `metadata.<key>`, `timestamp`… */
  field: string;
  message: string;
}

const CODE_OF: Record<BoundsReason, ErrorCode> = {
  message_too_large: ErrorCode.TOO_LARGE,
  value_too_deep: ErrorCode.INVALID_INPUT,
  too_many_metadata_keys: ErrorCode.TOO_LARGE,
  metadata_key_too_long: ErrorCode.TOO_LARGE,
  metadata_value_too_large: ErrorCode.TOO_LARGE,
  id_too_long: ErrorCode.INVALID_KEY,
  index_too_long: ErrorCode.INVALID_KEY,
  timestamp_in_future: ErrorCode.INVALID_INPUT,
  invalid_id: ErrorCode.INVALID_KEY,
  invalid_timestamp: ErrorCode.INVALID_INPUT,
  invalid_shape: ErrorCode.INVALID_INPUT,
  not_json: ErrorCode.INVALID_INPUT,
  invalid_unicode: ErrorCode.INVALID_INPUT,
  request_id_too_long: ErrorCode.TOO_LARGE,
  metadata_key_reserved: ErrorCode.INVALID_INPUT,
};

export const problem = (reason: BoundsReason, field: string, message: string): InputProblem => ({
  reason,
  code: CODE_OF[reason],
  field,
  message,
});

/** The error to throw for a problem (`InvalidKeyError`, `ValidationError` or `TooLargeError`). */
export function inputProblemError(p: InputProblem, details: Record<string, unknown> = {}): CacheError {
  return errorFromCode(p.code, p.message, { details: { field: p.field, reason: p.reason, ...details } });
}
