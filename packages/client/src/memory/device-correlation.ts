import { CORRELATION_ID_MAX_LENGTH, type DeviceUpdate, type Reading } from '@org/cache-core';
import type { WriteContext } from '../transport.js';

const CONTROL = /[\u0000-\u001f\u007f]/;
const SURROGATE = /[\ud800-\udfff]/;
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * A usable correlation id: a string of 1 to 1,024 characters (`CORRELATION_ID_MAX_LENGTH`) without
 * control characters or unpaired surrogates (the bounds `checkCorrelationId` enforces, without
 * throwing).
 */
export function isCorrelationId(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= CORRELATION_ID_MAX_LENGTH &&
    !CONTROL.test(value) &&
    !(SURROGATE.test(value) && LONE_SURROGATE.test(value))
  );
}

/**
 * The correlation id of each device's event in an `upsertReadings` call (devices as coalesced, in
 * their order): the one of the message carrying the device's newest reading in the call
 * (`context.correlationIds`, by reading position; on equal timestamps the later reading), else ''
 * (the script then uses the call's `correlationId`). Null when the call has no per-reading ids, so
 * the usual write pays nothing. One map step per reading; only the chosen ids are checked.
 */
export function deviceCorrelationIds(
  readings: readonly Reading[],
  devices: readonly DeviceUpdate[],
  context: WriteContext | undefined,
): string[] | null {
  const ids = context?.correlationIds;
  if (!ids || ids.length === 0) return null;
  const newest = new Map<string, number>();
  for (let i = 0; i < readings.length; i++) {
    const r = readings[i]!;
    const at = newest.get(r.device_id);
    if (at === undefined || readings[at]!.timestamp <= r.timestamp) newest.set(r.device_id, i);
  }
  return devices.map((u) => {
    const at = newest.get(u.deviceId);
    const id = at === undefined ? undefined : ids[at];
    return isCorrelationId(id) ? id : '';
  });
}
