import { InvalidKeyError } from './errors.js';

/** Limits on the names users choose: device ids, reading indexes, tenants, cache keys and patterns. */
export const LIMITS = {
  deviceIdMaxLength: 256,
  indexMaxLength: 64,
  tenantMaxLength: 64,
  keyMaxLength: 512,
  patternMaxLength: 512,
} as const;

// C0/C1 control characters and DEL; everything else (unicode, glob metacharacters, `/`) is allowed.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /\p{Cs}/u;
const TENANT = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function check(kind: string, value: unknown, max: number, allowEmpty = false): string {
  if (typeof value !== 'string') throw new InvalidKeyError(`${kind} must be a string`, { details: { kind } });
  if (!allowEmpty && value.length === 0)
    throw new InvalidKeyError(`${kind} must not be empty`, { details: { kind } });
  if (value.length > max) {
    throw new InvalidKeyError(`${kind} is longer than ${max} characters`, {
      details: { kind, length: value.length },
    });
  }
  if (CONTROL.test(value)) {
    throw new InvalidKeyError(`${kind} must not contain control characters`, { details: { kind } });
  }
  if (LONE_SURROGATE.test(value)) {
    throw new InvalidKeyError(`${kind} must be valid unicode`, { details: { kind } });
  }
  return value;
}

export const assertDeviceId = (id: unknown): string => check('device id', id, LIMITS.deviceIdMaxLength);
/** Reading indexes may be empty (`""`): producers send that for single-value devices. */
export const assertIndex = (index: unknown): string => check('index', index, LIMITS.indexMaxLength, true);

/** Keys `.` and `..` are refused: URL parsers drop them from a path, so the API could never address them. */
export function assertCacheKey(key: unknown): string {
  const k = check('key', key, LIMITS.keyMaxLength);
  if (k === '.' || k === '..') {
    throw new InvalidKeyError('key must not be "." or ".." (they cannot travel in a URL path)', {
      details: { kind: 'key' },
    });
  }
  return k;
}

export function assertTenant(tenant: unknown): string {
  const t = check('tenant id', tenant, LIMITS.tenantMaxLength);
  if (!TENANT.test(t)) {
    throw new InvalidKeyError('tenant id may only hold letters, digits, "_", "." and "-"', {
      details: { kind: 'tenant id' },
    });
  }
  return t;
}

/** True when the device id is usable (the same rule as `assertDeviceId`, without throwing). */
export function isValidDeviceId(id: unknown): id is string {
  return (
    typeof id === 'string' &&
    id.length > 0 &&
    id.length <= LIMITS.deviceIdMaxLength &&
    !CONTROL.test(id) &&
    !LONE_SURROGATE.test(id)
  );
}
