import type { Reading, UpsertResult } from '@org/cache-core';
import { TooLargeError, toReading, ValidatedOutput, ValidationError } from '@org/cache-core';
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
 * Checks every item of a batch on its own (schema, then the core bounds) and writes all the good
 * ones in one call: the client checks the whole call before writing anything, so a bad item can
 * never leave half a batch behind. 400 when none is valid.
 */
export async function writeReadings(
  deps: RouteDeps,
  items: readonly unknown[],
): Promise<UpsertResult & { invalid: number; errors: ReadingProblem[] }> {
  const { limits, client } = deps;
  if (items.length > limits.maxReadingsBatch) {
    throw new TooLargeError(`at most ${limits.maxReadingsBatch} readings per batch`, {
      details: { count: items.length, max: limits.maxReadingsBatch },
    });
  }
  const valid: Reading[] = [];
  const problems: ReadingProblem[] = [];
  let invalid = 0;
  items.forEach((item, position) => {
    const problem = problemOf(item, position);
    if (problem === null) return;
    invalid++;
    if (problems.length < MAX_REPORTED_PROBLEMS) problems.push(problem);
  });
  function problemOf(item: unknown, position: number): ReadingProblem | null {
    const parsed = ValidatedOutput.safeParse(item);
    const deviceId = (item as { device_id?: unknown } | null)?.device_id;
    const device_id = typeof deviceId === 'string' ? deviceId.slice(0, 256) : null;
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return {
        position,
        device_id,
        code: 'CACHE_007',
        reason: 'invalid_reading',
        field: issue.path.join('.'),
        message: issue.message,
      };
    }
    valid.push(toReading(parsed.data));
    return null;
  }
  if (items.length > 0 && valid.length === 0) {
    const first = problems[0];
    throw new ValidationError(
      `none of the ${items.length} readings is valid: ${first?.field}: ${first?.message}`,
      {
        details: { invalid, errors: problems },
      },
    );
  }
  const result = await client.upsertReadings(valid);
  return { ...result, invalid, errors: problems };
}
