import { CORRELATION_ID_MAX_LENGTH, type DeviceUpdate, type Reading } from '@org/cache-core';
import type { WriteContext } from '../transport.js';

const FORBIDDEN = /[\u0000-\u001f\u007f]|\p{Cs}/u;

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
    !FORBIDDEN.test(value)
  );
}

/**
 * The correlation id of each device's event in an `upsertReadings` call (devices as coalesced, in
 * their order): the one of the message carrying the device's newest reading in the call
 * (`context.correlationIds`, by reading position; on equal timestamps the later reading, as
 * coalescing keeps it), else '' (the script then uses the call's `correlationId`). Null when the
 * call has no per-reading ids, so the usual write pays nothing.
 */
export function deviceCorrelationIds(
  readings: readonly Reading[],
  devices: readonly DeviceUpdate[],
  context: WriteContext | undefined,
): string[] | null {
  const ids = context?.correlationIds;
  if (!ids || ids.length === 0) return null;
  const byReading = new Map<Reading, string>();
  const n = Math.min(ids.length, readings.length);
  for (let i = 0; i < n; i++) {
    const id = ids[i];
    if (id != null && isCorrelationId(id)) byReading.set(readings[i]!, id);
  }
  return devices.map((u) => {
    let newest: Reading | undefined;
    for (const r of u.readings) if (newest === undefined || newest.timestamp <= r.timestamp) newest = r;
    return newest === undefined ? '' : (byReading.get(newest) ?? '');
  });
}
