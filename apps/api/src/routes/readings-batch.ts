import type { Reading, UpsertResult } from '@org/cache-core';
import {
  checkReadingBounds,
  ErrorCode,
  TooLargeError,
  toReading,
  ValidatedOutput,
  ValidationError,
} from '@org/cache-core';
import type { RouteDeps } from './deps.js';

/** One refused item of a readings batch. */
export interface ReadingProblem {
  position: number;
  device_id: string | null;
  code: string;
  reason: string;
  field: string;
  message: string;
}

const MAX_REPORTED_PROBLEMS = 100;

/**
 * `.` and `..` cannot travel as a path segment (URL parsers remove them, encoded or not): a device
 * of that id could be written here but never read or reset by its path, so it is refused.
 */
function unaddressable(deviceId: string): Omit<ReadingProblem, 'position' | 'device_id'> | null {
  if (deviceId !== '.' && deviceId !== '..') return null;
  return {
    code: ErrorCode.INVALID_KEY,
    reason: 'invalid_id',
    field: 'device_id',
    message: 'a device id of "." or ".." cannot be addressed in a URL',
  };
}

/**
 * Checks every item of a batch on its own (the `ValidatedOutput` schema, then the core bounds:
 * sizes, depth, metadata keys, timestamps no further ahead than MAX_FUTURE_SKEW) and writes all
 * the good ones in one call. The client checks the whole call again before writing anything, so a
 * bad item can never leave half a batch behind (an index entry without its state). 400 when none
 * is valid; the first 100 problems are reported with their position, code and reason.
 */
export async function writeReadings(
  deps: RouteDeps,
  items: readonly unknown[],
  /** The request's correlation id, carried by the change events. */
  correlationId?: string,
): Promise<UpsertResult & { invalid: number; errors: ReadingProblem[] }> {
  const { limits, client } = deps;
  if (items.length > limits.maxReadingsBatch) {
    throw new TooLargeError(`at most ${limits.maxReadingsBatch} readings per batch`, {
      details: { count: items.length, max: limits.maxReadingsBatch },
    });
  }
  const valid: Reading[] = [];
  const problems: ReadingProblem[] = [];
  const bounds = { nowMs: Date.now(), maxFutureSkewMs: limits.maxFutureSkewMs };
  let invalid = 0;
  items.forEach((item, position) => {
    const deviceId = (item as { device_id?: unknown } | null)?.device_id;
    const device_id = typeof deviceId === 'string' ? deviceId.slice(0, 256) : null;
    const parsed = ValidatedOutput.safeParse(item);
    let problem: Omit<ReadingProblem, 'position' | 'device_id'> | null = null;
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.join('.');
      problem = {
        code: ErrorCode.INVALID_INPUT,
        reason: field === 'timestamp' ? 'invalid_timestamp' : 'invalid_shape',
        field,
        message: issue.message,
      };
    } else {
      const reading = toReading(parsed.data);
      const found = checkReadingBounds(reading, bounds) ?? unaddressable(reading.device_id);
      if (found === null) valid.push(reading);
      else problem = found;
    }
    if (problem === null) return;
    invalid++;
    if (problems.length < MAX_REPORTED_PROBLEMS) problems.push({ position, device_id, ...problem });
  });
  if (items.length > 0 && valid.length === 0) {
    const first = problems[0];
    throw new ValidationError(
      `none of the ${items.length} readings is valid: ${first?.field}: ${first?.message}`,
      {
        details: { invalid, errors: problems },
      },
    );
  }
  const result = await client.upsertReadings(valid, { correlationId });
  return { ...result, invalid, errors: problems };
}
